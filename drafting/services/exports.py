"""Exporting revision PDFs: generated once, stored with their checksum, served as stored."""

from django.db import IntegrityError, transaction

from drafting import pdfs
from drafting.errors import DomainError
from drafting.models import Meeting, Revision, RevisionFile


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
