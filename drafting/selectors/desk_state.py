"""What a desk depends on, read with its meeting in one statement (`desk_state`): the key
a whole desk is kept under (`render.page_cache`) and the live part's poll asks (`views.desk`).
On PostgreSQL one SQL statement; elsewhere (SQLite: the demo) the ORM's queries, which give
the same (`tests/views/test_desk_state.py`). What the desk then shows is `selectors.desk`."""

import functools
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import F, Func, Max, Subquery
from django.http import Http404
from django.utils import timezone

from drafting.models import (
    VISIBLE_STATUSES,
    ConsultationRound,
    CoSponsorInvitation,
    Delegation,
    DelegationVersion,
    Document,
    Meeting,
    MeetingVisit,
    Notification,
    Participation,
    Proposal,
    ProposalMark,
    ProposalsVersion,
    ReaderState,
)
from drafting.models.cosponsorship import SENT_STATUSES
from drafting.selectors import prepared
from drafting.selectors.desk import RoundState, round_state
from drafting.services.notifications import UNREAD_LIMIT, unread_count
from drafting.web import time_zones


@dataclass(frozen=True)
class DeskKey:
    """What a desk shows depends on, as one string (``key``), the visit before (``since``)
    and when the user's visit was last recorded (``last_visit``: None before the first)."""

    key: str
    since: datetime | None
    rounds: RoundState
    last_visit: datetime | None = None


@dataclass(frozen=True)
class DeskState:
    """What a desk depends on, read with its meeting (`desk_state`), besides the document's
    version and the meeting's details (on the meeting read with it):

    - ``takes_part``: the delegation takes part in the meeting (the permission, for
      `permissions.can_propose`; False for the chair's office);
    - ``proposals_seen``: the newest history id of the document's proposals in a state seen
      beyond their delegation (submitted and later: never another delegation's draft, whose
      writing the poll's 204 must not betray);
    - ``proposals_version``: the document's proposals version (`models.ProposalsVersion`),
      which every commit of such a write bumps: a submission numbered first and committed
      last leaves the newest history id as it was;
    - ``marks``: the newest history id of the delegation's own marks;
    - ``invitations``: how many invitations to co-sponsor it was sent, and the newest change
      to one (its current rows: one sent and then removed leaves the list);
    - ``page_version``: its own page version (`models.DelegationVersion`: its drafts, marks
      given to its proposals, answers to its invitations);
    - ``names_version``: delegations' names (the newest history row of any);
    - ``since``, ``last_visit``: the user's visit before and when the visit was last recorded;
    - ``rounds``: the rounds around now;
    - ``unread``: the navigation's count of unread notices (`notifications.unread_count`).
    """

    takes_part: bool
    proposals_seen: int
    proposals_version: int
    marks: int
    invitations: int
    invitations_at: datetime | None
    page_version: int
    names_version: int
    since: datetime | None
    last_visit: datetime | None
    rounds: RoundState
    unread: int

    def key(self, meeting: Meeting) -> DeskKey:
        """The desk's key: changes whenever anything a desk shows may have, and only on what
        its reader may see (the unread count aside: the live part does not show it)."""
        document = meeting.document
        # The meeting's details (its short title names it in the page's title and navigation)
        # change without a write to the document.
        details = repr([getattr(meeting, f.attname) for f in Meeting._meta.concrete_fields])
        parts = [
            document.pk,
            document.version,
            self.proposals_seen,
            self.proposals_version,
            self.marks,
            self.invitations,
            _iso(self.invitations_at),
            self.page_version,
            self.names_version,
            _iso(self.since),
            details,
        ]
        rounds = self.rounds
        for one in (rounds.open, rounds.last_closed, rounds.next):
            parts.append(
                f"{one.pk}:{one.name}:{_iso(one.opens_at)}:{_iso(one.deadline)}" if one else ""
            )
        return DeskKey(
            hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:24],
            self.since,
            rounds,
            self.last_visit,
        )


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat() if moment is not None else ""


def desk_state(
    slug: str, *, user, delegation: Delegation | None, now: datetime | None = None
) -> tuple[Meeting, DeskState]:
    """The meeting (with its document; 404 when there is none) and what ``user``'s desk
    depends on (``delegation``'s; None: the chair's office's), in one query. The meeting's
    time zone becomes the current one, as `selectors.meeting_with_document` does. Reading it
    records no visit.

    Written in SQL (`_state_sql`), made once, as `selectors.delegation_page.page_state` is:
    built with the ORM's expressions (seven subqueries), the key's statement cost ≈ 9 ms to
    compile on each view and poll, more than the database took to run it; and prepared on
    the connection (`selectors.prepared`): planned each time, it took the database twice
    as long to plan as to run."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        return _desk_state_portable(slug, user=user, delegation=delegation, now=now)
    meeting_fields, document_fields = _fields(Meeting), _fields(Document)
    round_fields = _fields(ConsultationRound)
    profile = getattr(user, "delegate_profile", None)
    row = prepared.fetch_one(
        _state_sql(),
        {
            "slug": slug,
            "delegation": delegation.pk if delegation is not None else None,
            "notices": profile.delegation_id if profile is not None else None,
            "user": user.pk,
            "now": now,
            "visible": sorted(VISIBLE_STATUSES),
            "sent": sorted(SENT_STATUSES),
            "unread_limit": UNREAD_LIMIT + 1,
        },
    )
    if row is None:
        raise Http404
    alias = connection.alias
    meeting = Meeting.from_db(alias, meeting_fields, row[: len(meeting_fields)])
    rest = row[len(meeting_fields) :]
    meeting.document = Document.from_db(alias, document_fields, rest[: len(document_fields)])
    rest = rest[len(document_fields) :]
    (
        takes_part,
        proposals_seen,
        proposals_version,
        marks,
        invitations,
        invitations_at,
        page_version,
        names_version,
        since,
        last_visit,
        unread,
    ) = rest[:11]
    rest = rest[11:]
    rounds: list[ConsultationRound | None] = []
    for n in range(3):
        values = rest[n * len(round_fields) : (n + 1) * len(round_fields)]
        found = values[0] is not None  # the round's id: NULL for none
        rounds.append(ConsultationRound.from_db(alias, round_fields, values) if found else None)
    time_zones.activate_for(meeting)
    return meeting, DeskState(
        takes_part=takes_part,
        proposals_seen=proposals_seen or 0,
        proposals_version=proposals_version or 0,
        marks=marks or 0,
        invitations=invitations or 0,
        invitations_at=invitations_at,
        page_version=page_version or 0,
        names_version=names_version or 0,
        since=since,
        last_visit=last_visit,
        rounds=RoundState(open=rounds[0], last_closed=rounds[1], next=rounds[2]),
        unread=unread,
    )


def _desk_state_portable(
    slug: str, *, user, delegation: Delegation | None, now: datetime
) -> tuple[Meeting, DeskState]:
    """:func:`desk_state` in the ORM's queries, for SQLite (the demo), which lacks what
    `_state_sql` is written in (LATERAL, ANY) and returns its dates as text: the same state,
    in five queries."""
    from drafting import selectors

    meeting = selectors.meeting_with_document(slug, participant=delegation)
    document = meeting.document
    delegation_id = delegation.pk if delegation is not None else 0

    def newest(model, group: str, **where: Any) -> Subquery:
        # Grouped, as `selectors.compilation._latest_history` explains: the index on
        # ``group``, not a walk back through the whole history when no row matches.
        rows = model.history.model.objects.filter(**where).order_by()
        return Subquery(rows.values(group).annotate(latest=Max("history_id")).values("latest"))

    invitations = CoSponsorInvitation.objects.filter(
        proposal__document_id=document.pk,
        delegation_id=delegation_id,
        status__in=SENT_STATUSES,
    ).order_by()
    own = DelegationVersion.objects.filter(delegation_id=delegation_id)
    visit = MeetingVisit.objects.filter(user=user, meeting=meeting)
    # The newest row seen beyond its delegation: read backwards on the index on (document,
    # history id) (migration 0028_desk_...), which stops at the first such row.
    visible = (
        Proposal.history.model.objects.filter(
            document_id=document.pk, status__in=sorted(VISIBLE_STATUSES)
        )
        .order_by("-document_id", "-history_id")
        .values("history_id")[:1]
    )
    (
        proposals_seen,
        proposals_version,
        marks,
        invitation_count,
        invitations_at,
        page_version,
        names_version,
        since,
        last_visit,
    ) = (
        Document.objects.filter(pk=document.pk)
        .values_list(
            Subquery(visible),
            Subquery(
                ProposalsVersion.objects.filter(document_id=document.pk).values("version")[:1]
            ),
            newest(ProposalMark, "delegation_id", delegation_id=delegation_id),
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
    return meeting, DeskState(
        takes_part=bool(getattr(meeting, "participant_takes_part", False)),
        proposals_seen=proposals_seen or 0,
        proposals_version=proposals_version or 0,
        marks=marks or 0,
        invitations=invitation_count or 0,
        invitations_at=invitations_at,
        page_version=page_version or 0,
        names_version=names_version or 0,
        since=since,
        last_visit=last_visit,
        rounds=round_state(document, now),
        unread=unread_count(user),
    )


def _fields(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@functools.cache
def _state_sql() -> str:
    """The statement of :func:`desk_state`: the meeting and its document by slug, then the
    state's fields in `DeskState`'s order, then the three rounds of `RoundState` (each
    `ConsultationRound`'s columns, NULL for none), chosen as `round_state` chooses them."""
    table = {
        name: model._meta.db_table
        for name, model in {
            "meeting": Meeting,
            "document": Document,
            "participation": Participation,
            "proposal_history": Proposal.history.model,
            "mark_history": ProposalMark.history.model,
            "invitation": CoSponsorInvitation,
            "proposal": Proposal,
            "page_version": DelegationVersion,
            "proposals_version": ProposalsVersion,
            "delegation_history": Delegation.history.model,
            "visit": MeetingVisit,
            "reader": ReaderState,
            "notice": Notification,
            "round": ConsultationRound,
        }.items()
    }
    round_fields = _fields(ConsultationRound)
    columns = ", ".join(
        [f'm."{name}"' for name in _fields(Meeting)] + [f'd."{name}"' for name in _fields(Document)]
    )
    rounds = ", ".join(f'{alias}."{name}"' for alias in ("ro", "rc", "rn") for name in round_fields)
    sql = f"""
        SELECT {columns},
            EXISTS (
                SELECT 1 FROM {table["participation"]} p
                WHERE p.meeting_id = m.id AND p.delegation_id = %(delegation)s
            ),
            (SELECT h.history_id FROM {table["proposal_history"]} h
             WHERE h.document_id = d.id AND h.status = ANY(%(visible)s)
             ORDER BY h.document_id DESC, h.history_id DESC LIMIT 1),
            (SELECT pv.version FROM {table["proposals_version"]} pv WHERE pv.document_id = d.id),
            (SELECT max(k.history_id) FROM {table["mark_history"]} k
             WHERE k.delegation_id = %(delegation)s GROUP BY k.delegation_id),
            i.n, i.at,
            (SELECT v.version FROM {table["page_version"]} v
             WHERE v.delegation_id = %(delegation)s),
            (SELECT max(g.history_id) FROM {table["delegation_history"]} g),
            w.previous_visit_at, w.last_visit_at,
            (
                SELECT count(*) FROM (
                    SELECT 1 FROM {table["notice"]} x
                    WHERE x.delegation_id = %(notices)s
                        AND (r.notifications_read_at IS NULL
                             OR x.created_at > r.notifications_read_at)
                    LIMIT %(unread_limit)s
                ) u
            ),
            {rounds}
        FROM {table["meeting"]} m
        JOIN {table["document"]} d ON d.meeting_id = m.id
        LEFT JOIN {table["visit"]} w ON w.meeting_id = m.id AND w.user_id = %(user)s
        LEFT JOIN {table["reader"]} r ON r.user_id = %(user)s
        CROSS JOIN LATERAL (
            SELECT count(*) AS n, max(i.updated_at) AS at
            FROM {table["invitation"]} i JOIN {table["proposal"]} q ON q.id = i.proposal_id
            WHERE i.delegation_id = %(delegation)s AND q.document_id = d.id
                AND i.status = ANY(%(sent)s)
        ) i
        LEFT JOIN LATERAL (
            SELECT * FROM {table["round"]} o
            WHERE o.document_id = d.id AND o.opens_at <= %(now)s AND o.deadline > %(now)s
            ORDER BY o.deadline, o.opens_at, o.id LIMIT 1
        ) ro ON true
        LEFT JOIN LATERAL (
            SELECT * FROM {table["round"]} o
            WHERE o.document_id = d.id AND o.deadline <= %(now)s
            ORDER BY o.opens_at DESC, o.id DESC LIMIT 1
        ) rc ON true
        LEFT JOIN LATERAL (
            SELECT * FROM {table["round"]} o
            WHERE o.document_id = d.id AND o.opens_at > %(now)s
            ORDER BY o.opens_at, o.id LIMIT 1
        ) rn ON true
        WHERE m.slug = %(slug)s
    """  # noqa: S608 - the models' own tables; every value is a parameter
    return sql.strip()  # a read: starts with SELECT
