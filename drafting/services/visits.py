"""When a user last opened a meeting's desk: the desk says what is new since the visit
before. One row per user and meeting; reloading the desk within :data:`SAME_VISIT` keeps the
same "since" (a reload is not a new visit).

The rule, so that opening the desk again writes nothing: the row's ``last_visit_at`` is
moved at most once every :data:`VISIT_STEP` (`visit_due`). A visit therefore ends
:data:`SAME_VISIT` after the last opening recorded, which is at most :data:`VISIT_STEP`
before the last opening itself: a desk opened again 26 to 30 minutes after a reload that was
not recorded may count as a new visit (it shows what is new since then, nothing is lost).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from drafting.models import Meeting, MeetingVisit

# Openings of the desk closer together than this are one visit.
SAME_VISIT = timedelta(minutes=30)
# An opening within this of the last one recorded is not recorded (no write).
VISIT_STEP = timedelta(minutes=5)


def visit_due(last_visit_at: datetime | None, at: datetime | None = None) -> bool:
    """Whether opening the desk at ``at`` (now), the visit last recorded at
    ``last_visit_at`` (None: never), is to be recorded with `desk_visit`."""
    return last_visit_at is None or (at or timezone.now()) - last_visit_at >= VISIT_STEP


@transaction.atomic
def desk_visit(*, user, meeting: Meeting, at: datetime | None = None) -> datetime | None:
    """Record that ``user`` opened ``meeting``'s desk at ``at`` (now) and return the time of
    the visit before (None on the first visit).

    Locks: the user's own visit row for the meeting."""
    moment = at or timezone.now()
    visit, created = MeetingVisit.objects.select_for_update().get_or_create(
        user=user, meeting=meeting, defaults={"last_visit_at": moment}
    )
    if created:
        return None
    if moment - visit.last_visit_at > SAME_VISIT:
        visit.previous_visit_at = visit.last_visit_at
    visit.last_visit_at = moment
    visit.save(update_fields=["previous_visit_at", "last_visit_at"])
    return visit.previous_visit_at
