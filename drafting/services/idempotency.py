"""Retried write requests are carried out once.

Every write form carries a fresh ``idempotency_key`` (one per rendering of the form). The
view derives the request's key from it and from what was posted (:func:`request_key`), so
resending the very same submission gives the same key while a different submission from the
same page does not. A service decorated with :func:`idempotent` records a
:class:`WriteReceipt` under that key in its own transaction: the receipt exists exactly when
the write was committed. A retry finds it and raises :class:`AlreadyDone` instead of writing
again; two copies in flight at once are served in turn by the unique index (the second waits
for the first to commit or roll back).
"""

import functools
import hashlib
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from drafting.models import WriteReceipt
from drafting.web.errors import AlreadyDone

FIELD = "idempotency_key"
# Not part of what the user asked for: the CSRF token changes when the user signs in again.
_IGNORED = {"csrfmiddlewaretoken"}


def new_key() -> uuid.UUID:
    return uuid.uuid4()


def request_key(request) -> uuid.UUID | None:
    """The key of this submission: the form's key combined with everything posted.

    None when the form carries no (valid) key: the request is then carried out as before,
    its retries judged by the workflow rules alone.
    """
    try:
        form_key = uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None
    posted = sorted(
        (name, value)
        for name, values in request.POST.lists()
        if name not in _IGNORED
        for value in values
    )
    digest = hashlib.sha256(repr((request.path, posted)).encode()).hexdigest()
    return uuid.uuid5(form_key, digest)


def _describe(result) -> str:
    from drafting.models import Revision

    if isinstance(result, Revision):
        return str(result.number)
    if isinstance(result, list | tuple):
        return ",".join(_describe(item) for item in result)[:200]
    public_id = getattr(result, "public_id", None)
    if public_id is not None:
        return str(public_id)
    return str(getattr(result, "pk", "") or "")


def idempotent(action: str):
    """Give a service an ``idempotency_key`` keyword: with a key, it is carried out once.

    The acting user is the service's ``user`` (or ``issued_by``) keyword argument.
    """

    def decorate(service):
        @functools.wraps(service)
        def run(*args, idempotency_key: uuid.UUID | None = None, **kwargs):
            if idempotency_key is None:
                return service(*args, **kwargs)
            user = kwargs.get("user", kwargs.get("issued_by"))
            with transaction.atomic():
                receipt = _claim(user, idempotency_key, action)
                result = service(*args, **kwargs)
                receipt.result = _describe(result)
                receipt.save(update_fields=["result"])
            return result

        return run

    return decorate


def _claim(user, key: uuid.UUID, action: str) -> WriteReceipt:
    try:
        with transaction.atomic():
            return WriteReceipt.objects.create(user=user, key=key, action=action)
    except IntegrityError:
        earlier = WriteReceipt.objects.get(user=user, key=key)
        raise AlreadyDone(
            _(
                "This was already done: your earlier request went through, and nothing was "
                "applied twice."
            ),
            action=earlier.action,
            result=earlier.result,
        ) from None
