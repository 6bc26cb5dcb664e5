"""Reads for the secretariat's audit trail: the meeting in view, its element labels, the events."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from drafting import selectors
from drafting.models import AuditEvent, Delegation, Meeting
from drafting.text.snapshot import iter_elements

# A meeting is looked up by slug only when the slug could be one (PostgreSQL refuses a NUL).
SLUG_MAX_LENGTH = 50


@dataclass(frozen=True)
class AuditFilters:
    """What the reader narrowed the trail to; each empty value filters nothing."""

    meeting: Meeting | None = None
    user: str = ""
    delegation: Delegation | None = None
    element: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None


def audit_meeting(chosen_slug: str) -> Meeting | None:
    """The meeting whose elements the trail offers (with its document): the one chosen by
    slug, else the only meeting there is, else None. At most two queries."""
    meetings = list(Meeting.objects.select_related("document").order_by("short_title")[:2])
    meeting = next((m for m in meetings if m.slug == chosen_slug), None)
    if meeting is None and _may_be_slug(chosen_slug):
        meeting = Meeting.objects.select_related("document").filter(slug=chosen_slug).first()
    if meeting is None and len(meetings) == 1:
        meeting = meetings[0]  # one meeting: its elements can be chosen without choosing it
    return meeting


def _may_be_slug(text: str) -> bool:
    return bool(text) and len(text) <= SLUG_MAX_LENGTH and "\x00" not in text


def element_labels(meeting: Meeting | None) -> dict[int, str]:
    """Current labels of the meeting's elements ("12", "12 (b)"), in reading order."""
    # A meeting set up whose zero draft is not imported yet has no elements.
    document = getattr(meeting, "document", None) if meeting is not None else None
    if document is None:
        return {}
    snapshot = selectors.working_draft_snapshot(document)
    labels = {}
    for element, _depth in iter_elements(snapshot["elements"]):
        excerpt = " ".join(element["text"].split())[:50]
        labels[element["id"]] = (
            f"{element['label']} {excerpt}".strip() or f"{element['kind']} {element['id']}"
        )
    return labels


def _day_start(day: date) -> datetime:
    """Midnight starting ``day`` in the current time zone (the meeting's, when one is chosen)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(filters: AuditFilters | None) -> QuerySet[AuditEvent]:
    """The events matching ``filters``, newest first, with their user and delegation; none at
    all for ``None`` (filters that could not be read). Dates are read in the current zone."""
    events = AuditEvent.objects.select_related("user", "delegation").order_by("-at", "-id")
    if filters is None:
        return events.none()
    lookups: dict[str, Any] = {
        "document__meeting": filters.meeting,
        "username__iexact": filters.user.strip(),
        "delegation": filters.delegation,
        "element_id": filters.element,
        "action": filters.action,
        "at__gte": _day_start(filters.since) if filters.since else None,
        "at__lt": _day_start(filters.until + timedelta(days=1)) if filters.until else None,
    }
    return events.filter(**{lookup: value for lookup, value in lookups.items() if value})
