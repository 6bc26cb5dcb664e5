"""E-mail to people: written from templates and sent by the task worker, never in a request.

A service calls :func:`enqueue` inside its transaction; once the transaction commits, the
``send_email`` task (``drafting.tasks``) is queued, and the worker calls :func:`deliver`,
which renders ``templates/mail/<template>.txt`` and ``.html`` (both parts carry the link to
the page, made absolute from ``settings.SITE_URL``) and logs each message sent: recipient,
subject and when, on the ``drafting.mail`` logger.
"""

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

logger = logging.getLogger("drafting.mail")

# The templates a task may be asked to render (a queued task names one by its name).
TEMPLATES = frozenset({"invitation", "password_reset", "notices"})


def absolute_url(path: str) -> str:
    """The address of a page of the site, for a link in an e-mail."""
    return settings.SITE_URL + path


def enqueue(*, to: str, subject: str, template: str, context: dict[str, Any]) -> None:
    """Have the worker send one message once the current transaction commits (at once
    outside a transaction). ``context`` must be JSON: the task's arguments are stored."""
    from drafting.tasks import send_email

    if template not in TEMPLATES:
        raise ValueError(f"no such mail template: {template}")
    subject = str(subject)
    transaction.on_commit(
        lambda: send_email.enqueue(to=to, subject=subject, template=template, context=context)
    )


def deliver(*, to: str, subject: str, template: str, context: dict[str, Any]) -> int:
    """Render and send one message with a plain-text and an HTML part (in the worker)."""
    if template not in TEMPLATES:
        raise ValueError(f"no such mail template: {template}")
    context = {**context, "site_url": settings.SITE_URL}
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"mail/{template}.txt", context),
        to=[to],
    )
    message.attach_alternative(render_to_string(f"mail/{template}.html", context), "text/html")
    sent = message.send()
    logger.info(
        "mail sent to=%s subject=%r template=%s at=%s",
        to,
        message.subject,
        template,
        timezone.now().isoformat(),
    )
    return sent
