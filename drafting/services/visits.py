"""When a user last opened a meeting's desk: the desk says what is new since the visit
before. One row per user and meeting, moved forward on each visit; reloading the desk
within :data:`SAME_VISIT` keeps the same "since" (a reload is not a new visit).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from drafting.models import Meeting, MeetingVisit

# Openings of the desk closer together than this are one visit.
SAME_VISIT = timedelta(minutes=30)


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
