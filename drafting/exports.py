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

from typing import Any

from django.utils import timezone

from drafting.models import Meeting, Revision
from drafting.text.snapshot import SnapshotElement, clean_tree


def _element(element: SnapshotElement) -> dict[str, Any]:
    return {
        "id": element["id"],
        "kind": element["kind"],
        "label": element["label"],
        "text": element["text"],
        "status": element["status"],
        "footnotes": element["footnotes"],
        "children": [_element(child) for child in element["children"]],
    }


def revision_as_json(meeting: Meeting, revision: Revision) -> dict[str, Any]:
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
