"""Background tasks: PDF exports, with progress from WeasyPrint's ``weasyprint.progress`` log;
e-mail to people (``drafting.mail``), never sent inside a request."""

import logging
import re
import time

from django.tasks import task
from django.utils import timezone

from drafting.models import ExportJob

PAGE_STEP = re.compile(r"Page (\d+)")
HEARTBEAT_SECONDS = 1.0


class _ProgressHandler(logging.Handler):
    """Writes WeasyPrint's progress (step, pages laid out) and a heartbeat to the job."""

    def __init__(self, job: ExportJob) -> None:
        super().__init__(level=logging.INFO)
        self.job = job
        self.last_write = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if match := PAGE_STEP.search(message):
            self.job.pages_done = max(self.job.pages_done, int(match[1]))
        self.job.step = message[:120]
        now = time.monotonic()
        if now - self.last_write >= HEARTBEAT_SECONDS:
            self.last_write = now
            self.job.heartbeat_at = timezone.now()
            ExportJob.objects.filter(pk=self.job.pk).update(
                step=self.job.step,
                pages_done=self.job.pages_done,
                heartbeat_at=self.job.heartbeat_at,
            )


@task()
def export_pdf(job_id: int) -> str:
    """Render and store one revision PDF, reporting progress on the job."""
    from drafting.services.exports import export_job_run

    return export_job_run(job_id=job_id, progress_handler=_ProgressHandler)


@task()
def send_email(*, to: str, subject: str, template: str, context: dict) -> int:
    """Send one message to one person (see ``drafting.mail``)."""
    from drafting.mail import deliver

    return deliver(to=to, subject=subject, template=template, context=context)


@task()
def mail_notifications(*, notification_ids: list[int]) -> int:
    """E-mail new notices to the people who want them at once
    (``drafting.services.notifications``)."""
    from drafting.services.notifications import mail_notifications as send

    return send(notification_ids=notification_ids)
