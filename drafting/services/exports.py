"""Exporting revision PDFs: generated once, stored with their checksum, served as stored.

A revision and its redline never change, so each is made once. A compilation shows the
proposals made against the revision, which do change: each stored compilation is keyed by a
digest of what it shows (``selectors.compilation.compilation_content_key``) and stamped with
the moment it shows; when the content changes, the next request makes a new one, and the
earlier ones stay downloadable (``compilation_files``).

An issued revision is also exported as JSON (:func:`revision_as_json`, schema in README,
"JSON export")::

    {"meeting": {"slug", "title", "short_title", "venue", "start_date", "end_date", "chair",
                 "symbol_prefix"},
     "revision": {"number", "label", "symbol", "issued_at", "issued_by", "signatory",
                  "content_hash"},
     "document": {"title", "preamble"},
     "elements": [{"id", "kind", "label", "text", "status", "footnotes": [text, ...],
                   "children": [...]}]}
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TypedDict

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from drafting.access import audit, permissions
from drafting.exports import akn_export, docx_export, pdfs
from drafting.models import PRIVATE_STATUSES, ExportJob, Meeting, Revision, RevisionFile
from drafting.models.audit import AuditAction
from drafting.selectors.compilation import compilation_content_key
from drafting.text.kinds import Kind, Status
from drafting.text.snapshot import SnapshotDocument, SnapshotElement, clean_tree
from drafting.web.errors import DomainError, NotAllowed

COMPILATION = "compilation"

# Word and Akoma Ntoso files, made by the same jobs and stored the same way as the PDFs: the
# kind names what it shows, then the format. A compilation's is keyed by its content too.
OTHER_FORMATS: dict[str, Callable[[Meeting, Revision, datetime | None], bytes]] = {
    "revision.docx": lambda meeting, revision, _as_of: docx_export.word_file(
        meeting, revision, "revision"
    ),
    "redline.docx": lambda meeting, revision, _as_of: docx_export.word_file(
        meeting, revision, "redline"
    ),
    "compilation.docx": lambda meeting, revision, as_of: docx_export.word_file(
        meeting, revision, "compilation", as_of=as_of
    ),
    "revision.akn": lambda meeting, revision, _as_of: akn_export.revision_akn(meeting, revision),
}
EXPORT_KINDS = (*pdfs.KINDS, *OTHER_FORMATS)


def is_compilation(kind: str) -> bool:
    """A compilation, in any format: never for the public."""
    return kind.split(".")[0] == COMPILATION


def content_key(revision: Revision, kind: str) -> str:
    """What a stored file of this kind is keyed by besides its revision: a compilation's
    content digest; "" for the revision and its redline, which never change."""
    return compilation_content_key(revision) if is_compilation(kind) else ""


def stored_file(*, revision: Revision, kind: str) -> RevisionFile | None:
    """The stored PDF of this kind showing what it would show now, if it was made; never
    renders."""
    return RevisionFile.objects.filter(
        revision=revision, kind=kind, content_key=content_key(revision, kind)
    ).first()


def live_export_job(*, revision: Revision, kind: str) -> ExportJob | None:
    """The export of this kind queued or running for what it would show now, if any (a
    read: asking again while one is on its way records nothing new)."""
    return ExportJob.objects.filter(
        revision=revision,
        kind=kind,
        content_key=content_key(revision, kind),
        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
    ).first()


def compilation_files(revision: Revision) -> list[RevisionFile]:
    """Every compilation made of this revision, newest first, without their bytes."""
    return list(
        RevisionFile.objects.filter(revision=revision, kind=COMPILATION)
        .defer("content")
        .order_by("-as_of", "-pk")
    )


def revision_file_get_or_create(*, meeting: Meeting, revision: Revision, kind: str) -> RevisionFile:
    """The stored PDF of this kind (a compilation: of its current content), generating it
    the first time it is asked for.

    Two first requests at once may both render; the unique constraint keeps one and the
    other reads it.
    """
    if kind not in EXPORT_KINDS:
        raise DomainError(f"Unknown export {kind!r}.")
    with _one_snapshot():
        # A compilation's key, its stamp and what it shows are read from one snapshot of the
        # database, so the key names exactly what is printed.
        key = content_key(revision, kind)
        existing = RevisionFile.objects.filter(
            revision=revision, kind=kind, content_key=key
        ).first()
        if existing is not None:
            return existing
        as_of = timezone.now() if is_compilation(kind) else None
        if kind in OTHER_FORMATS:
            # Word and XML files take a fraction of a second: made inside the snapshot.
            made = OTHER_FORMATS[kind](meeting, revision, as_of)
        else:
            html = pdfs.page_html(meeting, revision, kind, as_of=as_of)
    if kind in OTHER_FORMATS:
        rendered = pdfs.RenderedPdf(content=made, pages=0)  # pages: PDFs only
    else:
        rendered = pdfs.pdf_from_html(html, pdfs.pdf_identifier(revision, kind, key))
    try:
        with transaction.atomic():
            return RevisionFile.objects.create(
                revision=revision,
                kind=kind,
                content=rendered.content,
                sha256=rendered.sha256,
                pages=rendered.pages,
                content_key=key,
                as_of=as_of,
            )
    except IntegrityError:
        return RevisionFile.objects.get(revision=revision, kind=kind, content_key=key)


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """A transaction whose reads all see one snapshot (REPEATABLE READ on PostgreSQL) when
    it is the outermost; inside a caller's transaction, that transaction's."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _expected_pages(revision: Revision, kind: str) -> int:
    """A rough guess for the progress bar: about 30 elements a page (proposals for compilations)."""
    from drafting.text.snapshot import iter_elements

    elements = sum(1 for _ in iter_elements(revision.snapshot["elements"]))
    if is_compilation(kind):
        elements += 2 * revision.proposals.exclude(status__in=PRIVATE_STATUSES).count()
    return max(1, elements // 30 + 2)


@transaction.atomic
def export_job_request(*, user, meeting: Meeting, revision: Revision, kind: str) -> ExportJob:
    """Queue a background export, or return the live one already queued or running, or
    the last finished one when the file is already stored (so repeated requests, anyone's,
    add no job rows; each request is recorded in the audit trail).

    Locks: own rows only (export jobs; nothing of the working draft)."""
    job = _job_for(user=user, meeting=meeting, revision=revision, kind=kind)
    audit.record_revision_act(
        action=AuditAction.EXPORT_REQUESTED, user=user, revision=revision, what=kind
    )
    return job


def _job_for(*, user, meeting: Meeting, revision: Revision, kind: str) -> ExportJob:
    if kind not in EXPORT_KINDS:
        raise DomainError(f"Unknown export {kind!r}.")
    if is_compilation(kind) and not permissions.can_read_working_draft(user, meeting.document):
        raise NotAllowed(
            "Compilations are for delegations, the chair's office and the secretariat."
        )
    export_jobs_recover()
    key = content_key(revision, kind)
    same = ExportJob.objects.filter(revision=revision, kind=kind, content_key=key)
    live = same.filter(status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING]).first()
    if live is not None:
        return live
    stored = RevisionFile.objects.filter(revision=revision, kind=kind, content_key=key).exists()
    if stored:
        finished = same.filter(status=ExportJob.Status.DONE).order_by("-pk").first()
        if finished is not None:
            return finished
    job = ExportJob.objects.create(
        revision=revision,
        kind=kind,
        content_key=key,
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
        job = (
            ExportJob.objects.select_for_update(of=("self",))
            .select_related("revision")
            .get(pk=job_id)
        )
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
        content_key=stored.content_key,  # a compilation: the content it found, maybe newer
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


# --- JSON export of an issued revision -------------------------------------------------


class ExportedMeeting(TypedDict):
    slug: str
    title: str
    short_title: str
    venue: str
    start_date: str
    end_date: str
    chair: str
    symbol_prefix: str


class ExportedRevision(TypedDict):
    number: int
    label: str
    symbol: str
    issued_at: str
    issued_by: str | None
    signatory: str
    content_hash: str


class ExportedElement(TypedDict):
    """A snapshot element as published: without the ``unnumbered`` flag (its label says it)."""

    id: int
    kind: Kind
    label: str
    text: str
    status: Status
    footnotes: list[str]
    children: list["ExportedElement"]


class RevisionExport(TypedDict):
    """The JSON export, as the module's docstring shows it."""

    meeting: ExportedMeeting
    revision: ExportedRevision
    document: SnapshotDocument
    elements: list[ExportedElement]


def _element(element: SnapshotElement) -> ExportedElement:
    return {
        "id": element["id"],
        "kind": element["kind"],
        "label": element["label"],
        "text": element["text"],
        "status": element["status"],
        "footnotes": element["footnotes"],
        "children": [_element(child) for child in element["children"]],
    }


def revision_as_json(meeting: Meeting, revision: Revision) -> RevisionExport:
    issued_by = revision.issued_by
    return {
        "meeting": {
            "slug": meeting.slug,
            "title": meeting.title,
            "short_title": meeting.short_title,
            "venue": meeting.venue,
            "start_date": meeting.start_date.isoformat(),
            "end_date": meeting.end_date.isoformat(),
            "chair": meeting.chair,
            "symbol_prefix": meeting.symbol_prefix,
        },
        "revision": {
            "number": revision.number,
            "label": revision.label,
            "symbol": revision.symbol,
            "issued_at": timezone.localtime(revision.issued_at).isoformat(),
            "issued_by": (issued_by.get_full_name() or issued_by.username) if issued_by else None,
            "signatory": revision.signatory,
            "content_hash": revision.content_hash,
        },
        "document": revision.snapshot["document"],
        # As published: without deleted elements, numbered again (see snapshot.clean_tree).
        "elements": [_element(element) for element in clean_tree(revision.snapshot["elements"])],
    }
