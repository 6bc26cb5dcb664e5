"""Exporting revision PDFs: generated once, stored with their checksum, served as stored."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from drafting import pdfs, permissions
from drafting.audit import audited
from drafting.errors import DomainError, NotAllowed
from drafting.models import ExportJob, Meeting, Revision, RevisionFile
from drafting.models.audit import AuditAction


def stored_file(*, revision: Revision, kind: str) -> RevisionFile | None:
    """The stored PDF of this kind, if it was made; never renders."""
    return RevisionFile.objects.filter(revision=revision, kind=kind).first()


def revision_file_get_or_create(*, meeting: Meeting, revision: Revision, kind: str) -> RevisionFile:
    """The stored PDF of this kind, generating it the first time it is asked for.

    The revision is immutable, so the file never goes stale. Two first requests at once may
    both render; the unique constraint keeps one and the other reads it.
    """
    if kind not in pdfs.KINDS:
        raise DomainError(f"Unknown export {kind!r}.")
    existing = RevisionFile.objects.filter(revision=revision, kind=kind).first()
    if existing is not None:
        return existing
    rendered = pdfs.render_pdf(meeting, revision, kind)
    try:
        with transaction.atomic():
            return RevisionFile.objects.create(
                revision=revision,
                kind=kind,
                content=rendered.content,
                sha256=rendered.sha256,
                pages=rendered.pages,
            )
    except IntegrityError:
        return RevisionFile.objects.get(revision=revision, kind=kind)


def _expected_pages(revision: Revision, kind: str) -> int:
    """A rough guess for the progress bar: about 30 elements a page (proposals for compilations)."""
    from drafting.text.snapshot import iter_elements

    elements = sum(1 for _ in iter_elements(revision.snapshot["elements"]))
    if kind == "compilation":
        elements += 2 * revision.proposals.count()
    return max(1, elements // 30 + 2)


@audited(AuditAction.EXPORT_REQUESTED)
def export_job_request(*, user, meeting: Meeting, revision: Revision, kind: str) -> ExportJob:
    """Queue a background export, or return the live one already queued or running, or
    the last finished one when the file is already stored (so repeated requests, anyone's,
    add no rows)."""
    if kind not in pdfs.KINDS:
        raise DomainError(f"Unknown export {kind!r}.")
    if kind == "compilation" and not permissions.can_read_working_draft(user, meeting.document):
        raise NotAllowed(
            "Compilations are for delegations, the chair's office and the secretariat."
        )
    export_jobs_recover()
    live = ExportJob.objects.filter(
        revision=revision, kind=kind, status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]
    ).first()
    if live is not None:
        return live
    stored = RevisionFile.objects.filter(revision=revision, kind=kind).exists()
    if stored:
        finished = (
            ExportJob.objects.filter(revision=revision, kind=kind, status=ExportJob.Status.DONE)
            .order_by("-pk")
            .first()
        )
        if finished is not None:
            return finished
    job = ExportJob.objects.create(
        revision=revision,
        kind=kind,
        requested_by=user if user.is_authenticated else None,
        pages_expected=_expected_pages(revision, kind),
    )
    if stored:
        job.status, job.pages_done, job.finished_at = (
            ExportJob.Status.DONE,
            job.pages_expected,
            timezone.now(),
        )
        job.save(update_fields=["status", "pages_done", "finished_at"])
        return job
    _enqueue(job)
    return job


def _enqueue(job: ExportJob) -> None:
    from drafting.tasks import export_pdf

    transaction.on_commit(lambda: export_pdf.enqueue(job.pk))


def export_job_run(*, job_id: int, progress_handler) -> str:
    """Run an export job (in the worker): claim it, render with progress, store, finish."""
    with transaction.atomic():
        job = ExportJob.objects.select_for_update().select_related("revision").get(pk=job_id)
        if job.status not in {ExportJob.Status.QUEUED, ExportJob.Status.RUNNING}:
            return job.status
        job.status, job.attempts, job.heartbeat_at = (
            ExportJob.Status.RUNNING,
            job.attempts + 1,
            timezone.now(),
        )
        job.save(update_fields=["status", "attempts", "heartbeat_at"])
    handler = progress_handler(job)
    progress = logging.getLogger("weasyprint.progress")
    progress.addHandler(handler)
    previous_level = progress.level
    progress.setLevel(logging.INFO)
    try:
        meeting = Meeting.objects.get(document__revisions=job.revision)
        stored = revision_file_get_or_create(meeting=meeting, revision=job.revision, kind=job.kind)
    except BaseException as error:
        # WeasyPrint's FatalURLFetchingError derives from BaseException: catch it too, so the
        # job is marked failed rather than left running.
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportJob.Status.FAILED,
            error=f"{type(error).__name__}: {error}"[:2000],
            finished_at=timezone.now(),
        )
        raise
    finally:
        progress.removeHandler(handler)
        progress.setLevel(previous_level)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.DONE,
        pages_done=stored.pages,
        pages_expected=stored.pages,
        step="done",
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return ExportJob.Status.DONE


def export_jobs_recover(*, max_attempts: int = 3) -> int:
    """Re-queue running jobs whose worker stopped beating (killed), or fail them after
    ``max_attempts``. Returns how many were recovered."""
    stale_before = timezone.now() - timedelta(seconds=settings.EXPORT_STALE_SECONDS)
    recovered = 0
    with transaction.atomic():
        stale = ExportJob.objects.select_for_update(skip_locked=True).filter(
            status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale_before
        )
        for job in stale:
            recovered += 1
            if job.attempts >= max_attempts:
                job.status, job.error = ExportJob.Status.FAILED, "The worker stopped responding."
                job.finished_at = timezone.now()
                job.save(update_fields=["status", "error", "finished_at"])
            else:
                job.status, job.step = ExportJob.Status.QUEUED, "re-queued after the worker stopped"
                job.save(update_fields=["status", "step"])
                _enqueue(job)
    return recovered
