"""What each role's desk shows for a meeting: a delegation's (the open round, its drafts, what
was decided and issued since the last visit, proposals waiting for its position, invitations
to co-sponsor, its own positions), and the chair's office's (open proposals per agenda item,
conflicts, the round's state). Every list is bounded; each part is one query.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, Func, Max, OuterRef, Q, Subquery

from drafting.access import permissions
from drafting.models import (
    VISIBLE_STATUSES,
    ConsultationRound,
    CoSponsorInvitation,
    Delegation,
    DelegationVersion,
    Document,
    ElementChange,
    InvitationStatus,
    Meeting,
    MeetingVisit,
    Proposal,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.models.cosponsorship import SENT_STATUSES
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


def round_state(document: Document) -> RoundState:
    """One query: the rounds around now (a meeting has a handful)."""
    from django.utils import timezone

    now = timezone.now()
    rounds = list(ConsultationRound.objects.filter(document=document).order_by("opens_at")[:50])
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


@dataclass(frozen=True)
class DeskKey:
    """What a desk shows depends on, as one string (``key``), the visit before (``since``)
    and when the user's visit was last recorded (``last_visit``: None before the first)."""

    key: str
    since: datetime | None
    rounds: RoundState
    last_visit: datetime | None = None


def desk_key(document: Document, meeting: Meeting, user) -> DeskKey:
    """A key that changes whenever anything a desk shows may have, and only on what its
    reader may see: the document's version (decisions, the chair's edits, revisions: every
    write through the gate), the newest history id of the document's proposals in a state
    seen beyond their delegation (submitted and later: never another delegation's draft,
    whose writing the poll's 204 must not betray) and of the delegation's own marks; for a
    delegate, its own delegation's page version (its drafts, marks given to its proposals,
    answers to its invitations: `models.DelegationVersion`) and the newest of its
    invitations to co-sponsor; delegations' names (the newest history row of any); the
    rounds and which is open now, and the user's visit before. Two queries; ``document`` is
    read fresh by the request. Reading it records no visit."""
    delegation = permissions.delegation_of(user)

    def newest(model, group: str, **where: Any) -> Subquery:
        # Grouped, as `selectors._latest_history` explains: the index on ``group``, not a
        # walk back through the whole history when no row matches.
        rows = model.history.model.objects.filter(**where).order_by()
        return Subquery(rows.values(group).annotate(latest=Max("history_id")).values("latest"))

    invitations = CoSponsorInvitation.objects.filter(
        proposal__document_id=document.pk,
        delegation_id=delegation.pk if delegation else 0,
        status__in=SENT_STATUSES,
    ).order_by()
    own = DelegationVersion.objects.filter(delegation_id=delegation.pk if delegation else 0)
    visit = MeetingVisit.objects.filter(user=user, meeting=meeting)
    # The newest row seen beyond its delegation: read backwards on the index on (document,
    # history id) (migration 0026_desk_...), which stops at the first such row; a grouped
    # max read every row of the document's history (8 ms at scale 1, on every view and poll).
    visible = (
        Proposal.history.model.objects.filter(
            document_id=document.pk, status__in=sorted(VISIBLE_STATUSES)
        )
        .order_by("-document_id", "-history_id")
        .values("history_id")[:1]
    )
    *seen, since, last_visit = (
        Document.objects.filter(pk=document.pk)
        .values_list(
            Subquery(visible),
            # The desk shows its own delegation's marks alone (its positions; what waits for
            # one): their newest history row, of any meeting (the index on the delegation;
            # the document's, through its proposals, read 20 ms of history at scale 1).
            newest(ProposalMark, "delegation_id", delegation_id=delegation.pk if delegation else 0),
            # Its current rows: one sent and then removed leaves the list (a draft's
            # names, never sent, are not counted).
            Subquery(invitations.values(n=Func(F("id"), function="COUNT"))),
            Subquery(invitations.values(at=Func(F("updated_at"), function="MAX"))),
            Subquery(own.values("version")[:1]),
            Subquery(
                Delegation.history.model.objects.order_by().values(
                    one=Func(F("history_id"), function="MAX")
                )
            ),
            Subquery(visit.values("previous_visit_at")[:1]),
            Subquery(visit.values("last_visit_at")[:1]),
        )
        .get()
    )
    rounds = round_state(document)
    parts = [document.version, *(value or 0 for value in seen), since.isoformat() if since else ""]
    for one in (rounds.open, rounds.last_closed, rounds.next):
        parts.append(
            f"{one.pk}:{one.name}:{one.opens_at.isoformat()}:{one.deadline.isoformat()}"
            if one
            else ""
        )
    return DeskKey(
        hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24],
        since,
        rounds,
        last_visit,
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
