"""Search over a meeting's working draft, its issued revisions and its proposals.

PostgreSQL matches with its English full-text search (`django.contrib.postgres.search`:
stemmed, websearch syntax: "quoted phrases", OR, -excluded); the embedded SQLite demo
matches word stems in Python (:mod:`drafting.text.search`). Whoever searches finds only
what they may read: the public finds issued revisions only; a delegation finds the
proposals every delegation sees plus its own drafts, never another delegation's.

A query costs a fixed number of database queries, whatever it finds (at most
:data:`LIMIT` hits of each kind are shown; one more is read to say there are more).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Q

from drafting import permissions, selectors
from drafting.models import (
    PRIVATE_STATUSES,
    Delegation,
    Element,
    Meeting,
    Proposal,
    Revision,
)
from drafting.text import search as words
from drafting.text import snapshot as snapshots
from drafting.text.numbering import AGENDA_ITEM
from drafting.text.places import Place, places

LIMIT = 50
CONFIG = "english"

DRAFT = "draft"
REVISIONS = "revisions"
PROPOSALS = "proposals"
WHERE = (DRAFT, REVISIONS, PROPOSALS)

# Hidden from whoever is not the proposing delegation (see permissions.can_view_proposal).
_PRIVATE = [str(status) for status in PRIVATE_STATUSES]


@dataclass(frozen=True)
class Filters:
    """What the search form asked for; every field is checked by the form."""

    query: str
    where: str = ""
    agenda_item: int | None = None
    kind: str = ""
    status: str = ""
    delegation: int | None = None

    @property
    def proposals_only(self) -> bool:
        """A status or a delegation is a property of proposals: only they can match."""
        return bool(self.status or self.delegation)

    def looks_in(self, where: str) -> bool:
        if self.proposals_only:
            return where == PROPOSALS
        return not self.where or self.where == where


@dataclass
class TextHit:
    """An element of the working draft, or of one or more issued revisions (the same text
    in several revisions is one hit naming them all, newest first)."""

    place: Place
    text: str
    status: str = ""
    revisions: list[Revision] = field(default_factory=list)
    # Where it sits, in words (set by the view, which translates).
    place_words: str = ""
    segments: list[words.Segment] = field(default_factory=list)


@dataclass
class ProposalHit:
    proposal: Proposal
    place: Place | None
    place_words: str = ""
    segments: list[words.Segment] = field(default_factory=list)
    # The rationale's words around a match, when the rationale has one.
    rationale_segments: list[words.Segment] = field(default_factory=list)


@dataclass
class Results:
    filters: Filters
    wanted: list[str]
    draft: list[TextHit] = field(default_factory=list)
    revisions: list[TextHit] = field(default_factory=list)
    proposals: list["ProposalHit"] = field(default_factory=list)
    more: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.draft) + len(self.revisions) + len(self.proposals)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _query(text: str) -> SearchQuery:
    return SearchQuery(text, config=CONFIG, search_type="websearch")


def _kept(place: Place | None, filters: Filters) -> bool:
    if place is None:
        return filters.agenda_item is None and not filters.kind
    if filters.agenda_item is not None and place.agenda_item_id != filters.agenda_item:
        return False
    return not filters.kind or place.kind == filters.kind


def _cut(found: list[Any], name: str, more: set[str]) -> list[Any]:
    if len(found) > LIMIT:
        more.add(name)
    return found[:LIMIT]


def _draft_hits(
    meeting: Meeting, tree: list[snapshots.SnapshotElement], where: dict[int, Place], f: Filters
) -> list[TextHit]:
    elements = {element["id"]: element for element, _depth in snapshots.iter_elements(tree)}
    if _postgres():
        ids: Iterable[int] = (
            Element.objects.filter(document=meeting.document, pk__in=list(elements))
            .annotate(found=SearchVector("text", config=CONFIG))
            .filter(found=_query(f.query))
            .values_list("pk", flat=True)
        )
        matched = set(ids)
    else:
        wanted, unwanted = words.terms(f.query), words.excluded(f.query)
        matched = {i for i, e in elements.items() if words.matches(e["text"], wanted, unwanted)}
    hits = [
        TextHit(place=where[i], text=elements[i]["text"], status=elements[i]["status"])
        for i in elements  # reading order
        if i in matched and _kept(where.get(i), f)
    ]
    return hits


_REVISION_SQL = """
SELECT r.id, (e->>'id')::bigint, e->>'text'
FROM {table} r
CROSS JOIN LATERAL jsonb_path_query(
    r.snapshot, 'strict $.elements.** ? (@.type() == "object" && exists(@.kind))'
) AS e
WHERE r.document_id = %s
  AND coalesce(e->>'status', '') <> 'deleted'
  AND to_tsvector(%s::regconfig, coalesce(e->>'text', ''))
      @@ websearch_to_tsquery(%s::regconfig, %s)
ORDER BY r.number DESC
"""


def _revision_matches(meeting: Meeting, f: Filters) -> list[tuple[int, int, str]]:
    """(revision id, element id, text) of every matching element, newest revision first."""
    if _postgres():
        sql = _REVISION_SQL.format(table=connection.ops.quote_name(Revision._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, [meeting.document.pk, CONFIG, CONFIG, f.query])
            return [(row[0], row[1], row[2]) for row in cursor.fetchall()]
    wanted, unwanted = words.terms(f.query), words.excluded(f.query)
    found = []
    for revision in Revision.objects.filter(document=meeting.document).order_by("-number"):
        for element, _depth in snapshots.iter_elements(revision.snapshot["elements"]):
            if element["status"] != snapshots.DELETED and words.matches(
                element["text"], wanted, unwanted
            ):
                found.append((revision.pk, element["id"], element["text"]))
    return found


def _revision_hits(meeting: Meeting, f: Filters, more: set[str]) -> list[TextHit]:
    rows = _revision_matches(meeting, f)
    groups: dict[tuple[int, str], list[int]] = {}
    for revision_id, element_id, text in rows:
        groups.setdefault((element_id, text), []).append(revision_id)
    if not groups:
        return []
    # Labels as each revision was published (deleted elements out, the rest renumbered):
    # from the newest revision of each hit, all loaded in one query.
    newest = {revision_ids[0] for revision_ids in groups.values()}
    revisions = {revision.pk: revision for revision in selectors.revisions_of(meeting.document)}
    published = {
        revision_id: places(snapshots.clean_tree(snapshot["elements"]))
        for revision_id, snapshot in Revision.objects.filter(pk__in=newest).values_list(
            "pk", "snapshot"
        )
    }
    hits = []
    for (element_id, text), revision_ids in groups.items():
        place = published[revision_ids[0]].get(element_id)
        if place is None or not _kept(place, f):
            continue
        hits.append(TextHit(place=place, text=text, revisions=[revisions[i] for i in revision_ids]))
    hits.sort(key=lambda hit: (-hit.revisions[0].number, hit.place.element_id))
    return _cut(hits, REVISIONS, more)


def _proposal_hits(
    meeting: Meeting, own: Delegation | None, where: dict[int, Place], f: Filters, more: set[str]
) -> list[ProposalHit]:
    visible = ~Q(status__in=_PRIVATE)
    if own is not None:
        visible |= Q(delegation=own)
    found = selectors.proposals_queryset().filter(visible, document=meeting.document)
    if f.status:
        found = found.filter(status=f.status)
    if f.delegation:
        found = found.filter(Q(delegation_id=f.delegation) | Q(on_behalf_of_id=f.delegation))
    if f.agenda_item is not None or f.kind:
        found = found.filter(element_id__in=[i for i, place in where.items() if _kept(place, f)])
    if _postgres():
        vector = SearchVector(
            "proposed_text",
            "rationale",
            "delegation__name",
            "delegation__short_name",
            config=CONFIG,
        )
        query = _query(f.query)
        found = (
            found.annotate(found=vector, rank=SearchRank(vector, query))
            .filter(found=query)
            .order_by("-rank", "-updated_at", "-id")
        )
        hits: list[Proposal] = list(found[: LIMIT + 1])
    else:
        wanted, unwanted = words.terms(f.query), words.excluded(f.query)
        hits = []
        for proposal in found.order_by("-updated_at", "-id").iterator(chunk_size=500):
            text = " ".join(
                [
                    proposal.proposed_text,
                    proposal.rationale,
                    proposal.delegation.name,
                    proposal.delegation.short_name,
                ]
            )
            if words.matches(text, wanted, unwanted):
                hits.append(proposal)
                if len(hits) > LIMIT:
                    break
    return _cut(
        [ProposalHit(proposal, where.get(proposal.element_id)) for proposal in hits],
        PROPOSALS,
        more,
    )


@dataclass
class Scope:
    """What ``user`` reads of the meeting: the working draft's tree and places for those who
    read drafts, else the newest issued revision's (for the agenda item filter)."""

    reads_drafts: bool
    own_delegation: Delegation | None
    tree: list[snapshots.SnapshotElement]
    where: dict[int, Place]

    @property
    def agenda_items(self) -> list[Place]:
        return [place for place in self.where.values() if place.kind == AGENDA_ITEM]


def scope(meeting: Meeting, user: Any) -> Scope:
    """The part of ``meeting`` that ``user`` may search (one or two queries)."""
    reads_drafts = permissions.can_read_working_draft(user, meeting.document)
    tree: list[snapshots.SnapshotElement] = []
    if reads_drafts:
        tree = selectors.working_draft_snapshot(meeting.document)["elements"]
    else:
        latest = (
            Revision.objects.filter(document=meeting.document)
            .order_by("-number")
            .values_list("snapshot", flat=True)
            .first()
        )
        if latest is not None:
            tree = snapshots.clean_tree(latest["elements"])
    return Scope(
        reads_drafts=reads_drafts,
        own_delegation=permissions.delegation_of(user),
        tree=tree,
        where=places(tree),
    )


def search(meeting: Meeting, scope: Scope, filters: Filters) -> Results:
    """What the scope's reader may read that matches ``filters`` (see the module's
    docstring); nothing when the query is empty."""
    results = Results(filters=filters, wanted=words.terms(filters.query))
    if not filters.query.strip():
        return results
    if scope.reads_drafts and filters.looks_in(DRAFT):
        results.draft = _cut(
            _draft_hits(meeting, scope.tree, scope.where, filters), DRAFT, results.more
        )
    if filters.looks_in(REVISIONS):
        results.revisions = _revision_hits(meeting, filters, results.more)
    if scope.reads_drafts and filters.looks_in(PROPOSALS):
        results.proposals = _proposal_hits(
            meeting, scope.own_delegation, scope.where, filters, results.more
        )
    wanted = results.wanted
    for hit in [*results.draft, *results.revisions]:
        hit.segments = words.snippet(hit.text, wanted)
    for proposal_hit in results.proposals:
        proposal = proposal_hit.proposal
        proposal_hit.segments = words.snippet(proposal.proposed_text, wanted)
        if proposal.rationale and any(words.matches(proposal.rationale, [term]) for term in wanted):
            proposal_hit.rationale_segments = words.snippet(proposal.rationale, wanted, 25)
    return results
