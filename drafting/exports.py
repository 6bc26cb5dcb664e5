"""Machine-readable export of an issued revision (schema in README, "JSON export").

::

    {"meeting": {"slug", "title", "short_title", "venue", "start_date", "end_date", "chair",
                 "symbol_prefix"},
     "revision": {"number", "label", "symbol", "issued_at", "issued_by", "signatory",
                  "content_hash"},
     "document": {"title", "preamble"},
     "elements": [{"id", "kind", "label", "text", "status", "footnotes": [text, ...],
                   "children": [...]}]}
"""

from typing import TypedDict

from django.utils import timezone

from drafting.models import Meeting, Revision
from drafting.text.kinds import Kind, Status
from drafting.text.snapshot import SnapshotDocument, SnapshotElement, clean_tree


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
