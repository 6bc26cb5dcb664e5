"""What each role's desk shows for a meeting: a delegation's (the open round, its drafts, what
was decided and issued since the last visit, proposals waiting for its position, invitations
to co-sponsor, its own positions), and the chair's office's (open proposals per agenda item,
conflicts, the round's state). Every list is bounded; each part is one query. What a desk
depends on, its key, is read apart (`selectors.desk_state`).
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from drafting.access import permissions
from drafting.models import (
    ConsultationRound,
    CoSponsorInvitation,
    Delegation,
    Document,
    ElementChange,
    InvitationStatus,
    Meeting,
    Proposal,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.models.proposal import DECIDED_STATUSES
from drafting.render.page_cache import draft_places
from drafting.selectors import cosponsor_invitations_to
from drafting.services.rounds import open_round
from drafting.text.places import Place

# The most rows each list of a desk shows (each says when there are more).
DESK_LIMIT = 25
POSITIONS_LIMIT = 100


@dataclass
class Bounded:
    """The first rows of a list, and how many there are in all."""

    rows: list[Any]
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


def _bounded(queryset, limit: int = DESK_LIMIT) -> Bounded:
    """The first ``limit`` rows and the count, in one query (``limit + 1`` rows read)."""
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Bounded(rows, len(rows))
    return Bounded(rows[:limit], limit + queryset[limit:].count())


def _with_places(document: Document, proposals: list[Proposal]) -> list[Proposal]:
    where = draft_places(document)
    for proposal in proposals:
        proposal.place = where.get(proposal.element_id)
    return proposals


@dataclass
class RoundState:
    """The round open now, or else the last one (closed) and the next (not yet open)."""

    open: ConsultationRound | None
    last_closed: ConsultationRound | None
    next: ConsultationRound | None


def round_state(document: Document, now: datetime | None = None) -> RoundState:
    """One query: the rounds around ``now`` (a meeting has a handful). `desk_state` reads
    the same in its statement."""
    now = now or timezone.now()
    rounds = list(ConsultationRound.objects.filter(document=document).order_by("opens_at", "id"))
    # The one closing first, as `services.rounds.open_round` has it, should two overlap.
    current = min(
        (r for r in rounds if r.opens_at <= now < r.deadline),
        key=lambda r: r.deadline,
        default=None,
    )
    closed = [r for r in rounds if r.deadline <= now]
    coming = [r for r in rounds if r.opens_at > now]
    return RoundState(
        open=current,
        last_closed=closed[-1] if closed else None,
        next=coming[0] if coming else None,
    )


@dataclass
class DelegationDesk:
    round: ConsultationRound | None
    since: datetime | None
    drafts: Bounded
    decisions: Bounded
    revisions: list[Revision]
    draft_changes: int
    waiting: Bounded
    invitations: list[Any]
    positions: Bounded


def delegation_desk(
    document: Document,
    delegation: Delegation,
    since: datetime | None,
    rounds: RoundState | None = None,
) -> DelegationDesk:
    """The delegation's desk; ``since`` is the visit before (None: the first visit, when
    the newest decisions and revisions are shown); ``rounds`` read here when not given."""
    ours = Proposal.objects.filter(document=document, delegation=delegation)
    drafts = _bounded(
        ours.filter(status=ProposalStatus.DRAFT)
        .select_related("delegation")
        .order_by("-updated_at", "-id")
    )
    decided = ours.filter(status__in=DECIDED_STATUSES, decided_at__isnull=False)
    if since is not None:
        decided = decided.filter(decided_at__gt=since)
    decisions = _bounded(decided.select_related("reflected_in").order_by("-decided_at", "-id"))
    revisions = Revision.objects.filter(document=document).order_by("-number")
    changes = ElementChange.objects.filter(document=document)
    if since is not None:
        revisions = revisions.filter(issued_at__gt=since)
        changes = changes.filter(made_at__gt=since)
    marked_by_us = ProposalMark.objects.filter(proposal=OuterRef("pk"), delegation=delegation)
    # A proposal the delegation co-sponsors is its own: it waits for no position of it.
    sponsored_by_us = CoSponsorInvitation.objects.filter(
        proposal=OuterRef("pk"), delegation=delegation, status=InvitationStatus.ACCEPTED
    )
    waiting = _bounded(
        Proposal.objects.filter(document=document, status=ProposalStatus.SUBMITTED)
        .exclude(delegation=delegation)
        .filter(~Exists(marked_by_us), ~Exists(sponsored_by_us))
        .select_related("delegation")
        .order_by("submitted_at", "id")
    )
    positions = _bounded(
        ProposalMark.objects.filter(delegation=delegation, proposal__document=document)
        .select_related("proposal", "proposal__delegation")
        .order_by("-updated_at", "-id"),
        POSITIONS_LIMIT,
    )
    invitations = cosponsor_invitations_to(document, delegation, limit=DESK_LIMIT)
    _with_places(
        document,
        [
            *drafts.rows,
            *decisions.rows,
            *waiting.rows,
            *(m.proposal for m in positions.rows),
            *(invitation.proposal for invitation in invitations),
        ],
    )
    return DelegationDesk(
        round=rounds.open if rounds is not None else open_round(document),
        since=since,
        drafts=drafts,
        decisions=decisions,
        revisions=list(revisions[:10]),
        draft_changes=changes.count(),
        waiting=waiting,
        invitations=invitations,
        positions=positions,
    )


@dataclass
class AgendaItemCount:
    agenda_item_id: int | None
    label: str
    count: int


@dataclass
class Conflict:
    element_id: int
    place: Place | None
    count: int


@dataclass
class ChairDesk:
    rounds: RoundState
    per_agenda_item: list[AgendaItemCount]
    open_total: int
    conflicts: list[Conflict]
    conflicts_total: int
    status_counts: dict[str, int] = field(default_factory=dict)
    awaiting_revision: int = 0


def chair_desk(document: Document, rounds: RoundState | None = None) -> ChairDesk:
    """What waits for the chair's office: open (submitted) proposals per agenda item, the
    elements with two or more of them (conflicts to settle), and the round's state
    (``rounds``, read here when not given)."""
    per_element = {
        row["element_id"]: row["count"]
        for row in Proposal.objects.filter(document=document, status=ProposalStatus.SUBMITTED)
        .values("element_id")
        .annotate(count=Count("*"))
    }
    where = draft_places(document)
    items: dict[int | None, AgendaItemCount] = {}
    conflicts: list[Conflict] = []
    # In reading order: the places are kept in the draft's order.
    ordered = [e for e in where if e in per_element] + [e for e in per_element if e not in where]
    for element_id in ordered:
        count = per_element[element_id]
        place = where.get(element_id)
        key = place.agenda_item_id if place else None
        if key not in items:
            items[key] = AgendaItemCount(key, place.agenda_item_label if place else "", 0)
        items[key].count += count
        if count >= 2:
            conflicts.append(Conflict(element_id, place, count))
    totals = Proposal.objects.filter(document=document).aggregate(
        deferred=Count("id", filter=Q(status=ProposalStatus.DEFERRED)),
        needs_rebase=Count("id", filter=Q(status=ProposalStatus.NEEDS_REBASE)),
        awaiting_revision=Count(
            "id",
            filter=Q(
                status__in=[
                    ProposalStatus.ACCEPTED,
                    ProposalStatus.ACCEPTED_WITH_CHANGES,
                    ProposalStatus.REJECTED,
                ],
                reflected_in__isnull=True,
            ),
        ),
    )
    return ChairDesk(
        rounds=rounds or round_state(document),
        per_agenda_item=list(items.values()),
        open_total=sum(per_element.values()),
        conflicts=conflicts[:DESK_LIMIT],
        conflicts_total=len(conflicts),
        status_counts={
            "deferred": totals["deferred"],
            "needs_rebase": totals["needs_rebase"],
        },
        awaiting_revision=totals["awaiting_revision"],
    )


def desk_meetings(user):
    """The meetings whose desk ``user`` has: every meeting with a draft for the chair's
    office, those its delegation takes part in for a delegate; none for anyone else."""
    with_draft = Meeting.objects.filter(document__isnull=False)
    if permissions.is_chairs_office(user):
        return with_draft
    delegation = permissions.delegation_of(user)
    if delegation is not None:
        return with_draft.filter(participations__delegation=delegation)
    return Meeting.objects.none()
