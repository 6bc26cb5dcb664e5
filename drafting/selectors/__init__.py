"""Reads: each function does a fixed number of queries, whatever the document's size."""

import functools
import itertools
import uuid
from collections.abc import Iterable
from typing import Any, cast

from django.db import connection
from django.db.models import Exists, F, Max, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.http import Http404
from django.shortcuts import get_object_or_404

from drafting.models import (
    PRIVATE_STATUSES,
    ConsultationRound,
    DecisionReply,
    Delegation,
    Document,
    Element,
    ElementStatus,
    Footnote,
    InvitationStatus,
    Meeting,
    Participation,
    Proposal,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.models.proposal import DECIDED_STATUSES
from drafting.selectors import prepared
from drafting.text import snapshot as snapshots
from drafting.text.kinds import Kind, Status
from drafting.web import time_zones

# Co-sponsors the proposing delegation sees named on its own proposals.
_NAMED_STATUSES = (InvitationStatus.ACCEPTED, InvitationStatus.INVITED, InvitationStatus.NAMED)
# What each row of attach_marks_and_named_co_sponsors's query is.
_MARK_ROW, _INVITATION_ROW = "mark", "invitation"


def meeting_with_document(slug: str, *, participant: Delegation | None = None) -> Meeting:
    """The meeting and its document, in one query; 404 when there is none (a meeting set up
    whose zero draft is not imported yet has no pages but its setup). The meeting's time
    zone becomes the current one: its pages show, and read, times in it.

    Given a ``participant``, the same query says whether that delegation takes part in the
    meeting (``meeting.participant_takes_part``)."""
    meetings = Meeting.objects.select_related("document")
    if participant is not None:
        meetings = meetings.annotate(
            participant_takes_part=Exists(
                Participation.objects.filter(meeting=OuterRef("pk"), delegation=participant)
            )
        )
    meeting = get_object_or_404(meetings, slug=slug, document__isnull=False)
    time_zones.activate_for(meeting)
    return meeting


def element_rows(document: Document) -> list[snapshots.ElementRow]:
    """The working draft as flat rows with their footnotes: two queries. Elements a revision
    left out (deleted before it was issued) are not part of it any more."""
    elements = (
        Element.objects.filter(document=document)
        .exclude(retired=True, status=ElementStatus.DELETED)
        .only("id", "parent_id", "position", "kind", "text", "status", "unnumbered", "provisional")
        .prefetch_related(
            Prefetch(
                "footnotes",
                queryset=Footnote.objects.order_by("position").only(
                    "id", "element_id", "position", "text"
                ),
            )
        )
    )
    # The columns hold the text core's values (CheckConstraints element_kind_valid and
    # element_status_valid); the plain strings compare equal to the members (see text.kinds),
    # and a cast costs nothing where Kind(...) would cost a lookup per element.
    return [
        snapshots.ElementRow(
            id=element.pk,
            parent_id=element.parent_id,
            position=element.position,
            kind=cast(Kind, element.kind),
            text=element.text,
            status=cast(Status, element.status),
            unnumbered=element.unnumbered,
            provisional=element.provisional,
            footnotes=tuple(footnote.text for footnote in element.footnotes.all()),
        )
        for element in elements
    ]


def working_draft_snapshot(document: Document) -> snapshots.Snapshot:
    """The working draft in the same shape as a revision's snapshot."""
    return {
        "format": 1,
        "document": {"title": document.title, "preamble": document.preamble},
        "elements": snapshots.build_tree(element_rows(document)),
    }


def revisions_of(document: Document) -> QuerySet[Revision]:
    """Issued revisions, newest last, without their (large) snapshots."""
    return (
        Revision.objects.filter(document=document)
        .defer("snapshot", "cover_letter")
        .select_related("issued_by")
        .order_by("number")
    )


def revision_by_number(document: Document, number: int, *, with_snapshot: bool = True) -> Revision:
    revisions = Revision.objects.select_related("issued_by")
    if not with_snapshot:
        revisions = revisions.defer("snapshot")  # large; pages cached by content hash skip it
    return get_object_or_404(revisions, document=document, number=number)


def revision_snapshot(revision: Revision) -> snapshots.Snapshot:
    """The snapshot of a revision loaded without it (``with_snapshot=False``)."""
    return revision.snapshot


def element_in_document(document: Document, element_id: int) -> Element:
    """An element of this document only: ids of other documents' elements give 404."""
    element = get_object_or_404(
        Element.objects.select_related("parent"), document=document, pk=element_id
    )
    element.document = document  # the caller's: no second query for it
    return element


def element_with_meeting(
    slug: str, element_id: int, *, participant: Delegation | None = None
) -> Element:
    """An element of the meeting's document with its parent, its document and the meeting,
    in one query; 404 unless both exist (as :func:`meeting_with_document` and
    :func:`element_in_document` read them in two). The meeting's time zone becomes the
    current one. Given a ``participant``, the same query says whether that delegation takes
    part in the meeting (``element.document.meeting.participant_takes_part``)."""
    if connection.vendor == "postgresql":
        element = _element_with_meeting(slug, element_id, participant=participant)
        time_zones.activate_for(element.document.meeting)
        return element
    elements = Element.objects.select_related("parent", "document__meeting")
    if participant is not None:
        elements = elements.annotate(
            participant_takes_part=Exists(
                Participation.objects.filter(
                    meeting=OuterRef("document__meeting"), delegation=participant
                )
            )
        )
    element = get_object_or_404(elements, pk=element_id, document__meeting__slug=slug)
    meeting = element.document.meeting
    if participant is not None:
        cast(Any, meeting).participant_takes_part = cast(Any, element).participant_takes_part
    time_zones.activate_for(meeting)
    return element


def _attnames(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


@functools.cache
def _element_with_meeting_sql() -> str:
    """The statement of :func:`_element_with_meeting`: the element's, its parent's (null
    without one), its document's and the meeting's columns (``_attnames``, in that order),
    then whether the delegation ``%(participant)s`` takes part (null when none is asked)."""
    quote = connection.ops.quote_name

    def columns(model, alias: str) -> list[str]:
        return [f"{alias}.{quote(field.column)}" for field in model._meta.concrete_fields]

    selected = ", ".join(
        columns(Element, "e")
        + columns(Element, "parent")
        + columns(Document, "d")
        + columns(Meeting, "m")
    )
    return f"""
        SELECT {selected},
            CASE WHEN %(participant)s::bigint IS NULL THEN NULL ELSE EXISTS (
                SELECT 1 FROM {quote(Participation._meta.db_table)} p
                WHERE p.meeting_id = m.id AND p.delegation_id = %(participant)s
            ) END
        FROM {quote(Element._meta.db_table)} e
        LEFT JOIN {quote(Element._meta.db_table)} parent ON parent.id = e.parent_id
        JOIN {quote(Document._meta.db_table)} d ON d.id = e.document_id
        JOIN {quote(Meeting._meta.db_table)} m ON m.id = d.meeting_id
        WHERE e.id = %(element)s AND m.slug = %(slug)s
    """  # noqa: S608 - only the models' table and column names are formatted in


def _element_with_meeting(slug: str, element_id: int, *, participant: Delegation | None) -> Element:
    """:func:`element_with_meeting` on PostgreSQL: one statement written once, the rows
    set as ``select_related("parent", "document__meeting")`` sets them (building the ORM's
    query, with its joins and the participation subquery, cost more to compile on every
    request than the database took to run it), prepared on the connection
    (`selectors.prepared`): planning it took the database 0.55 ms, running it 0.08 ms."""
    row = prepared.fetch_one(
        _element_with_meeting_sql(),
        {
            "element": element_id,
            "slug": slug,
            "participant": participant.pk if participant is not None else None,
        },
    )
    if row is None:
        raise Http404
    element_fields, document_fields = _attnames(Element), _attnames(Document)
    meeting_fields, alias = _attnames(Meeting), connection.alias
    ends = list(
        itertools.accumulate(
            (len(element_fields), len(element_fields), len(document_fields), len(meeting_fields))
        )
    )
    element = Element.from_db(alias, element_fields, row[: ends[0]])
    parent_values = row[ends[0] : ends[1]]
    parent = (
        Element.from_db(alias, element_fields, parent_values)
        if parent_values[0] is not None
        else None
    )
    document = Document.from_db(alias, document_fields, row[ends[1] : ends[2]])
    meeting = Meeting.from_db(alias, meeting_fields, row[ends[2] : ends[3]])
    Element._meta.get_field("parent").set_cached_value(element, parent)
    Element._meta.get_field("document").set_cached_value(element, document)
    to_meeting = Document._meta.get_field("meeting")
    to_meeting.set_cached_value(document, meeting)
    to_meeting.remote_field.set_cached_value(meeting, document)  # a one-to-one: both ways
    if participant is not None:
        cast(Any, meeting).participant_takes_part = row[ends[3]]
        cast(Any, element).participant_takes_part = row[ends[3]]
    return element


def element_history(element: Element) -> list[Any]:
    """The element's history, newest first, with who made each change (one query)."""
    return list(
        element.history.select_related(
            "history_user", "history_user__delegate_profile__delegation"
        ).order_by("-history_date", "-history_id")
    )


# The revisions a proposal names, without their snapshots (each is the whole document as
# JSON) or cover letters.
_NAMED_REVISIONS = Revision.objects.defer("snapshot", "cover_letter")


def proposals_queryset() -> QuerySet[Proposal]:
    """Proposals with everything a list shows, in a fixed number of queries.

    Five tables are joined, the two revisions read apart: PostgreSQL plans a join of eight
    in 20 ms on this machine (it weighs every order of them), of six in under 5 ms, and
    reads the revisions by their ids in about 1 ms."""
    return Proposal.objects.select_related(
        "element",
        "delegation",
        "on_behalf_of",
        "round",
        "author",
    ).prefetch_related(
        Prefetch("base_revision", queryset=_NAMED_REVISIONS),
        Prefetch("reflected_in", queryset=_NAMED_REVISIONS),
        "co_sponsors",
        Prefetch(
            "marks",
            queryset=ProposalMark.objects.select_related("delegation").order_by(
                "delegation__short_name"
            ),
        ),
    )


def proposals_of_delegation(document: Document, delegation: Delegation) -> list[Proposal]:
    """A delegation's proposals, newest first, with ``mark_summary`` and ``named_co_sponsors``
    attached (two queries)."""
    found = list(
        Proposal.objects.filter(document=document, delegation=delegation)
        .select_related("on_behalf_of", "reflected_in")
        .only(
            "id",
            "public_id",
            "kind",
            "status",
            "proposed_text",
            "rationale",
            "decision_note",
            "updated_at",
            "version",
            "withdrawn_after_deadline",
            "on_behalf_of__short_name",
            "reflected_in__label",
            "reflected_in_id",
            "on_behalf_of_id",
            "delegation_id",
            "document_id",
            "element_id",
        )
        .order_by("-updated_at", "-id")
    )
    attach_marks_and_named_co_sponsors(found)
    return found


def attach_marks_and_named_co_sponsors(proposals: list[Proposal]) -> None:
    """Set what :func:`attach_mark_summaries` sets, and ``proposal.named_co_sponsors`` to
    (accepted, awaiting an answer), short names sorted, for the proposing delegation's own
    view: one query (marks and invitations, ``UNION ALL``), for under load each round trip to
    the database costs more than reading the rows. By the proposals' ids: chosen by a join
    or an ``IN`` subquery instead, PostgreSQL scans every mark (78 ms at scale 10)."""
    from drafting.models import CoSponsorInvitation
    from drafting.render.presenters import MarkEntry, summarise_marks

    ids = [proposal.pk for proposal in proposals]
    marks = (
        ProposalMark.objects.filter(proposal_id__in=ids)
        .order_by()
        .annotate(
            row=Value(_MARK_ROW),
            state=F("stance"),
            name=F("delegation__short_name"),
            mark_note=F("note"),
            of_version=F("version"),
        )
        .values_list("proposal_id", "row", "state", "name", "mark_note", "of_version")
    )
    invitations = (
        CoSponsorInvitation.objects.filter(proposal_id__in=ids, status__in=_NAMED_STATUSES)
        .order_by()
        .annotate(
            row=Value(_INVITATION_ROW),
            state=F("status"),
            name=F("delegation__short_name"),
            mark_note=Value(""),
            of_version=Value(0),
        )
        .values_list("proposal_id", "row", "state", "name", "mark_note", "of_version")
    )
    entries: dict[int, list[MarkEntry]] = {pk: [] for pk in ids}
    named: dict[int, tuple[list[str], list[str]]] = {pk: ([], []) for pk in ids}
    rows = marks.union(invitations, all=True).order_by()
    for proposal_id, row, state, name, note, version in rows:
        if row == _MARK_ROW:
            entries[proposal_id].append(MarkEntry(name, state, note, version))
        else:
            accepted, awaiting = named[proposal_id]
            (accepted if state == InvitationStatus.ACCEPTED else awaiting).append(name)
    for proposal in proposals:
        proposal.mark_summary = summarise_marks(entries[proposal.pk], proposal.version)
        accepted, awaiting = named[proposal.pk]
        proposal.named_co_sponsors = (sorted(accepted), sorted(awaiting))


def visible_proposal(document: Document, public_id: uuid.UUID | str) -> Proposal:
    """A proposal of this document by its public id (404 otherwise); permissions are checked
    by the caller."""
    return get_object_or_404(proposals_queryset(), document=document, public_id=public_id)


def submitted_proposals_on(element: Element) -> list[Proposal]:
    """Visible proposals on one element, with ``mark_summary`` attached (three queries)."""
    found = list(
        Proposal.objects.filter(element=element)
        .exclude(status__in=PRIVATE_STATUSES)
        .select_related("delegation", "on_behalf_of")
        .defer("patch", "idempotency_key")
        .order_by("submitted_at", "id")
    )
    attach_mark_summaries(found)
    return found


def rounds_of(document: Document) -> list[ConsultationRound]:
    return list(
        ConsultationRound.objects.filter(document=document)
        .select_related("created_by")
        .order_by("-opens_at")
    )


def open_proposal_counts(document: Document) -> dict[int, int]:
    """Submitted (undecided) proposals per element id, in one aggregate query."""
    from django.db.models import Count

    rows = (
        Proposal.objects.filter(document=document, status=ProposalStatus.SUBMITTED)
        .values("element_id")
        .annotate(count=Count("*"))  # from the (document, status, element) index alone
    )
    return {row["element_id"]: row["count"] for row in rows}


def shown_reply(proposal: Proposal) -> DecisionReply | None:
    """The proposing delegation's reply to the chair's note, as shown under the decision:
    only while the proposal stands decided (an undone decision takes its reply down with
    it). Reads ``proposal.decision_reply`` (select it with the proposal)."""
    if proposal.status not in DECIDED_STATUSES or proposal.decided_at is None:
        return None
    try:
        reply = proposal.decision_reply
    except DecisionReply.DoesNotExist:
        return None
    return reply if reply_stands(proposal, reply) else None


def reply_stands(proposal: Proposal, reply: DecisionReply) -> bool:
    """Whether ``reply`` answers the decision standing on ``proposal`` or an earlier one it
    superseded: not when made after the standing decision to another note, so to a later
    decision since undone (undoing a decision on a deferred proposal restores the deferral,
    its note and its date)."""
    if proposal.status not in DECIDED_STATUSES or proposal.decided_at is None:
        return False
    return reply.created_at < proposal.decided_at or reply.decision_note == proposal.decision_note


def attach_replies(proposals: Iterable[Proposal]) -> None:
    """Set ``proposal.reply`` to `shown_reply` (no query when the reply was selected)."""
    for proposal in proposals:
        proposal.reply = shown_reply(proposal)


def proposals_by_ids(ids: list[int]) -> list[Proposal]:
    """Proposals with what their compilation block shows, ``mark_summary`` and ``reply``
    attached (three queries)."""
    found = list(
        Proposal.objects.filter(pk__in=ids)
        .select_related("delegation", "on_behalf_of", "decision_reply__delegation")
        .defer("patch", "idempotency_key")
        .prefetch_related(
            Prefetch(
                "co_sponsors",
                queryset=Delegation.objects.only("id", "short_name").order_by("short_name"),
            )
        )
    )
    attach_mark_summaries(found)
    attach_replies(found)
    return found


def delegations_version() -> int:
    """The newest history id of delegations: names shown in cached blocks change with it."""
    return Delegation.history.model.objects.aggregate(latest=Max("history_id"))["latest"] or 0


def delegation_page_versions(delegation: Delegation) -> tuple[int, int]:
    """What a delegation page's cached tables are kept under, besides the document's
    version: the delegation's own page version (`models.DelegationVersion`, 0 before its
    first write) and :func:`delegations_version` (the names its marks show), in one query."""
    from drafting.models import DelegationVersion

    own = DelegationVersion.objects.filter(delegation_id=OuterRef("pk")).values("version")[:1]
    names = Delegation.history.model.objects.order_by("-history_id").values("history_id")[:1]
    found = (
        Delegation.objects.filter(pk=delegation.pk)
        .annotate(page_version=Subquery(own), names_version=Subquery(names))
        .values_list("page_version", "names_version")
        .get()
    )
    return found[0] or 0, found[1] or 0


def attach_mark_summaries(proposals: list[Proposal]) -> None:
    """Set ``proposal.mark_summary`` (supporters and opponents by name, with their notes; marks
    given to an earlier version apart) in one query. Proposals need their ``version``."""
    from drafting.render.presenters import MarkEntry, summarise_marks

    by_proposal: dict[int, list[MarkEntry]] = {p.pk: [] for p in proposals}
    rows = ProposalMark.objects.filter(proposal_id__in=list(by_proposal)).values_list(
        "proposal_id", "stance", "delegation__short_name", "note", "version"
    )
    for proposal_id, stance, name, note, version in rows:  # plain rows; no server-side cursor
        by_proposal[proposal_id].append(MarkEntry(name, stance, note, version))
    for proposal in proposals:
        proposal.mark_summary = summarise_marks(by_proposal[proposal.pk], proposal.version)


def notifications_of(delegation: Delegation, limit: int = 20) -> list:
    """The delegation's newest notifications, each with its proposal's public id (one query)."""
    from drafting.models import Notification

    return list(
        Notification.objects.filter(delegation=delegation)
        .select_related("proposal")
        .only("id", "delegation_id", "proposal_id", "message", "created_at", "proposal__public_id")
        .order_by("-created_at", "-id")[:limit]
    )


def elements_changed_since_last_visit(
    document: Document, user_id: int, limit: int = 50
) -> list[int]:
    """The ids of the working draft's elements the chair's office changed (text, status,
    insertion, move, deletion) since the user last saw the draft (``DraftVisit``), most
    recently changed first, at most ``limit``; none on a first visit. One query.

    Asked by the document's version, not by time: the changes made after the version the
    visit saw, up to ``document.version`` (as read with the page). A change is timed before
    its transaction commits, so one begun before a visit and committed after it would be
    "older" than the visit, and never listed."""
    from drafting.models import DraftVisit, ElementChange

    seen = DraftVisit.objects.filter(user_id=user_id, document_id=document.pk).values(
        "seen_version"
    )[:1]
    return list(
        ElementChange.objects.filter(
            document_id=document.pk,
            document_version__gt=Subquery(seen),
            document_version__lte=document.version,
        )
        .values("element_id")
        .annotate(last=Max("document_version"))
        .order_by("-last", "element_id")
        .values_list("element_id", flat=True)[:limit]
    )


def cosponsor_invitations_to(
    document: Document, delegation: Delegation, limit: int | None = None
) -> list:
    """Invitations to co-sponsor sent to ``delegation`` on this document, newest first, with
    the proposal each concerns (one query; the newest ``limit`` when given). A draft's names
    are never sent, so never here."""
    from drafting.models import CoSponsorInvitation
    from drafting.models.cosponsorship import SENT_STATUSES

    return list(
        CoSponsorInvitation.objects.filter(
            proposal__document=document, delegation=delegation, status__in=SENT_STATUSES
        )
        .select_related("proposal", "proposal__delegation", "proposal__element")
        .only(
            "id",
            "status",
            "updated_at",
            "delegation_id",
            "proposal__public_id",
            "proposal__version",
            "proposal__status",
            "proposal__kind",
            "proposal__proposed_text",
            "proposal__rationale",
            "proposal__delegation__name",
            "proposal__element__text",
            "proposal__element__kind",
        )
        .order_by("-updated_at", "-id")[:limit]
    )


def cosponsor_invitations_of(proposal: Proposal) -> list:
    """Every invitation of one proposal with its delegation, by the delegation's name."""
    from drafting.models import CoSponsorInvitation

    return list(
        CoSponsorInvitation.objects.filter(proposal=proposal)
        .select_related("delegation")
        .order_by("delegation__name")
    )


def cosponsor_invitation_to(proposal: Proposal, delegation: Delegation):
    """The invitation to co-sponsor this proposal sent to ``delegation``, or None (a draft's
    names are never sent)."""
    from drafting.models import CoSponsorInvitation
    from drafting.models.cosponsorship import SENT_STATUSES

    return (
        CoSponsorInvitation.objects.filter(
            proposal=proposal, delegation=delegation, status__in=SENT_STATUSES
        )
        .only("id", "status", "proposal_id", "delegation_id")
        .first()
    )
