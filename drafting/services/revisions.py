"""Issuing numbered revisions."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from drafting import permissions, selectors
from drafting.errors import NotAllowed
from drafting.models import Document, Revision
from drafting.text import snapshot as snapshots


def revision_label(number: int) -> str:
    return "Zero draft" if number == 0 else f"Rev.{number}"


def revision_symbol(prefix: str, number: int) -> str:
    return prefix if number == 0 else f"{prefix}/Rev.{number}"


@transaction.atomic
def revision_issue(
    *,
    document: Document,
    issued_by: Any,
    cover_letter: str,
    signatory: str = "",
    issued_at: datetime | None = None,
) -> Revision:
    """Freeze the working draft as the next numbered revision and return it.

    Locks the document row, so two people issuing at once get Rev.N and Rev.N+1 in turn,
    never two Rev.N (the unique constraint on (document, number) backs this up). All or
    nothing: the snapshot, its hash and the record are written in one transaction.
    """
    if not permissions.can_issue_revision(issued_by, document):
        raise NotAllowed("Only the chair's office issues revisions.")
    locked = Document.objects.select_for_update().select_related("meeting").get(pk=document.pk)
    last = (
        Revision.objects.filter(document=locked)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    number = 0 if last is None else last + 1
    snapshot = selectors.working_draft_snapshot(locked)
    return Revision.objects.create(
        document=locked,
        number=number,
        label=revision_label(number),
        symbol=revision_symbol(locked.meeting.symbol_prefix, number),
        issued_at=issued_at or timezone.now(),
        issued_by=issued_by,
        signatory=signatory,
        cover_letter=cover_letter,
        snapshot=snapshot,
        content_hash=snapshots.content_hash(snapshot),
    )
