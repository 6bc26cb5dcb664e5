"""The reads of a delegation's own page (*My delegation*): what its cached body is kept
under, in one query.

The page is the delegate's most visited after the working draft. Its body (`page_cache.
delegation_page_body`) shows the delegation's proposals, its notices, the open round and its
invitations to co-sponsor; everything it depends on is read here, with the meeting and the
delegation's part in it, in one statement, so that a repeat view makes no other query (the
session and the user aside).
"""

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Count, Max, Q
from django.http import Http404
from django.utils import timezone

from drafting.models import (
    ConsultationRound,
    CoSponsorInvitation,
    Delegation,
    DelegationVersion,
    Document,
    Meeting,
    Notification,
    Participation,
    Proposal,
    ReaderState,
)
from drafting.models.cosponsorship import SENT_STATUSES
from drafting.selectors import prepared
from drafting.web import time_zones

# The notices the page lists, newest first (`selectors.notifications_of`).
NOTICES_SHOWN = 20


@dataclass(frozen=True, slots=True)
class DelegationPageState:
    """What a delegation page's body depends on, besides the document's version (on the
    meeting's document) and the language and time zone.

    - ``takes_part``: the delegation takes part in the meeting (the permission, read here
      for `permissions.can_propose`);
    - ``page_version``: its proposals, marks and co-sponsors (`models.DelegationVersion`);
    - ``names_version``: delegations' names (the newest history row of any);
    - ``read_before``: when the user last read the notices (None: never);
    - ``notices``: the newest notice's id and how many there are (notices are only added,
      or removed with their proposal); ``new_notices``: how many came after ``read_before``;
    - ``round``: the open round's id, name and deadline, or None;
    - ``invitations``: a digest of the invitations to co-sponsor it was sent, with what the
      page shows of each proposal ("" for none).
    """

    takes_part: bool
    page_version: int
    names_version: int
    read_before: datetime | None
    notices: tuple[int, int]
    new_notices: int
    round: tuple[int, str, datetime] | None
    invitations: str

    def key(self) -> str:
        """The parts of a cache key (the read time is in it through the new notices: a page
        whose notices are all read is the same whenever they were read)."""
        round_part = (
            f"{self.round[0]}.{self.round[2].timestamp():.6f}."
            + hashlib.md5(self.round[1].encode(), usedforsecurity=False).hexdigest()
            if self.round
            else "-"
        )
        return (
            f"{self.page_version}:{self.names_version}:{self.notices[0]}.{self.notices[1]}."
            f"{min(self.new_notices, NOTICES_SHOWN)}:{round_part}:{self.invitations or '-'}"
        )


def page_state(
    slug: str, *, delegation: Delegation, user_id: int | None
) -> tuple[Meeting, DelegationPageState]:
    """The meeting (with its document; 404 when there is none) and what the delegation's
    page shows of it, in one query. The meeting's time zone becomes the current one, as
    `selectors.meeting_with_document` does.

    Written in SQL (`_STATE_SQL`), made once: built with the ORM's expressions, the query
    cost more to compile on each view (≈ 9 ms, in a page served from the cache in 10) than
    the database took to run it; and prepared on the connection (`selectors.prepared`):
    planning it was most of the database's time (0.47 ms, for 0.18 ms of execution)."""
    if connection.vendor != "postgresql":
        return _page_state_portable(slug, delegation=delegation, user_id=user_id)
    meeting_fields, document_fields = _fields(Meeting), _fields(Document)
    row = prepared.fetch_one(
        _state_sql(),
        {
            "slug": slug,
            "delegation": delegation.pk,
            "user": user_id,
            "now": timezone.now(),
            "sent": sorted(SENT_STATUSES),
        },
    )
    if row is None:
        raise Http404
    split = len(meeting_fields)
    meeting = Meeting.from_db(connection.alias, meeting_fields, row[:split])
    rest = row[split:]
    meeting.document = Document.from_db(
        connection.alias, document_fields, rest[: len(document_fields)]
    )
    (
        takes_part,
        page_version,
        names_version,
        read_before,
        notice_count,
        newest_notice,
        new_notices,
        round_id,
        round_name,
        round_deadline,
        invitations,
    ) = rest[len(document_fields) :]
    time_zones.activate_for(meeting)
    state = DelegationPageState(
        takes_part=takes_part,
        page_version=page_version or 0,
        names_version=names_version or 0,
        read_before=read_before,
        notices=(newest_notice or 0, notice_count),
        new_notices=new_notices,
        round=(round_id, round_name, round_deadline) if round_id is not None else None,
        invitations=invitations or "",
    )
    return meeting, state


def _page_state_portable(
    slug: str, *, delegation: Delegation, user_id: int | None
) -> tuple[Meeting, DelegationPageState]:
    """:func:`page_state` in the ORM's queries, for SQLite (the demo), which lacks what
    `_STATE_SQL` is written in (LATERAL, ANY, md5, string_agg) and returns its dates as
    text: the same state, in seven queries."""
    from drafting import selectors

    meeting = selectors.meeting_with_document(slug, participant=delegation)
    document = meeting.document
    now = timezone.now()
    page_version, names_version = selectors.delegation_page_versions(delegation)
    read_before = (
        ReaderState.objects.filter(user_id=user_id or 0)
        .values_list("notifications_read_at", flat=True)
        .first()
    )
    notices = Notification.objects.filter(delegation=delegation).aggregate(
        shown=Count("id"),
        newest=Max("id"),
        new=Count("id", filter=Q(created_at__gt=read_before)) if read_before else Count("id"),
    )
    round_ = (
        ConsultationRound.objects.filter(document=document, opens_at__lte=now, deadline__gt=now)
        .order_by("deadline")
        .values_list("id", "name", "deadline")
        .first()
    )
    invitations = list(
        CoSponsorInvitation.objects.filter(
            delegation=delegation, proposal__document=document, status__in=SENT_STATUSES
        )
        .order_by("id")
        .values_list(
            "id",
            "status",
            "updated_at",
            "proposal__version",
            "proposal__status",
            "proposal__kind",
            "proposal__proposed_text",
            "proposal__rationale",
        )
    )
    state = DelegationPageState(
        takes_part=getattr(meeting, "participant_takes_part"),  # noqa: B009 - annotated
        page_version=page_version,
        names_version=names_version,
        read_before=read_before,
        notices=(notices["newest"] or 0, notices["shown"]),
        new_notices=notices["new"],
        round=round_,
        invitations=hashlib.md5(repr(invitations).encode(), usedforsecurity=False).hexdigest()
        if invitations
        else "",
    )
    return meeting, state


def _fields(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@functools.cache
def _state_sql() -> str:
    """The statement of :func:`page_state`: the meeting and its document by slug, then the
    state's fields in `DelegationPageState`'s order. Invitations are digested from what the
    page shows of each (the element's text and the delegations' names are in the key
    through the document's version and the names' version)."""
    table = {
        name: model._meta.db_table
        for name, model in {
            "meeting": Meeting,
            "document": Document,
            "participation": Participation,
            "page_version": DelegationVersion,
            "reader": ReaderState,
            "notice": Notification,
            "round": ConsultationRound,
            "invitation": CoSponsorInvitation,
            "proposal": Proposal,
            "delegation_history": Delegation.history.model,
        }.items()
    }
    columns = ", ".join(
        [f'm."{name}"' for name in _fields(Meeting)] + [f'd."{name}"' for name in _fields(Document)]
    )
    return f"""
        SELECT {columns},
            EXISTS (
                SELECT 1 FROM {table["participation"]} p
                WHERE p.meeting_id = m.id AND p.delegation_id = %(delegation)s
            ),
            (SELECT v.version FROM {table["page_version"]} v
             WHERE v.delegation_id = %(delegation)s),
            (SELECT max(h.history_id) FROM {table["delegation_history"]} h),
            r.notifications_read_at,
            n.shown, n.newest, n.new,
            o.id, o.name, o.deadline,
            (
                SELECT md5(string_agg(
                    concat(i.id, '|', i.status, '|', i.updated_at, '|', q.version, '|',
                           q.status, '|', q.kind, '|', q.proposed_text, '|', q.rationale),
                    ';' ORDER BY i.id))
                FROM {table["invitation"]} i JOIN {table["proposal"]} q ON q.id = i.proposal_id
                WHERE i.delegation_id = %(delegation)s AND q.document_id = d.id
                    AND i.status = ANY(%(sent)s)
            )
        FROM {table["meeting"]} m
        JOIN {table["document"]} d ON d.meeting_id = m.id
        LEFT JOIN {table["reader"]} r ON r.user_id = %(user)s
        CROSS JOIN LATERAL (
            SELECT count(*) AS shown, max(x.id) AS newest,
                count(*) FILTER (
                    WHERE r.notifications_read_at IS NULL
                        OR x.created_at > r.notifications_read_at
                ) AS new
            FROM {table["notice"]} x WHERE x.delegation_id = %(delegation)s
        ) n
        LEFT JOIN LATERAL (
            SELECT o.id, o.name, o.deadline FROM {table["round"]} o
            WHERE o.document_id = d.id AND o.opens_at <= %(now)s AND o.deadline > %(now)s
            ORDER BY o.deadline LIMIT 1
        ) o ON true
        WHERE m.slug = %(slug)s
    """  # noqa: S608 - the models' own tables; every value is a parameter
