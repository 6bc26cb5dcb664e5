"""Search over a meeting's working draft, its issued revisions and its proposals.

PostgreSQL matches with its English full-text search (`django.contrib.postgres.search`:
stemmed, websearch syntax: "quoted phrases", OR, -excluded); the embedded SQLite demo
matches word stems in Python (:mod:`drafting.text.search`). Whoever searches finds only
what they may read: the public finds issued revisions only; a delegation finds the
proposals every delegation sees plus its own drafts, never another delegation's.

A query costs a fixed number of database queries, whatever it finds (at most
:data:`LIMIT` hits of each kind are shown; one more is read to say there are more).
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.core.cache import cache
from django.db import connection
from django.db.models import Q

from drafting import selectors
from drafting.access import permissions
from drafting.models import (
    PRIVATE_STATUSES,
    Delegation,
    Element,
    Meeting,
    Proposal,
    Revision,
)
from drafting.render import page_cache
from drafting.text import search as words
from drafting.text import snapshot as snapshots
from drafting.text.kinds import Kind, Status
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
    # Revision hits left out because the working draft reads the same (see search()).
    same_as_draft: int = 0

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


def _draft_hits(meeting: Meeting, where: dict[int, Place], f: Filters) -> list[TextHit]:
    elements = Element.objects.filter(document=meeting.document)
    if _postgres():
        elements = elements.annotate(found=SearchVector("text", config=CONFIG)).filter(
            found=_query(f.query)
        )
        rows = {
            pk: (text, status) for pk, text, status in elements.values_list("pk", "text", "status")
        }
    else:
        wanted, unwanted = words.terms(f.query), words.excluded(f.query)
        rows = {
            pk: (text, status)
            for pk, text, status in elements.values_list("pk", "text", "status")
            if words.matches(text, wanted, unwanted)
        }
    return [
        TextHit(place=place, text=rows[pk][0], status=rows[pk][1])
        for pk, place in where.items()  # reading order
        if pk in rows and _kept(place, f)
    ]


# Each distinct (element, text) of the document's revisions once, with the revisions that
# hold it, newest first: the same words in ten revisions are matched once (MATERIALIZED:
# else PostgreSQL matches every row before grouping them).
_REVISION_SQL = """
WITH texts AS MATERIALIZED (
    SELECT array_agg(r.id ORDER BY r.number DESC) AS ids, (e->>'id')::bigint AS id,
           e->>'text' AS text
    FROM {table} r
    CROSS JOIN LATERAL jsonb_path_query(
        r.snapshot, 'strict $.elements.** ? (@.type() == "object" && exists(@.kind))'
    ) AS e
    WHERE r.document_id = %s AND coalesce(e->>'status', '') <> 'deleted'
    GROUP BY 2, 3
)
SELECT ids, id, text FROM texts
WHERE to_tsvector(%s::regconfig, coalesce(text, '')) @@ websearch_to_tsquery(%s::regconfig, %s)
"""


def _revision_matches(meeting: Meeting, f: Filters) -> dict[tuple[int, str], list[int]]:
    """The revisions (ids, newest first) holding each matching (element id, text)."""
    if _postgres():
        sql = _REVISION_SQL.format(table=connection.ops.quote_name(Revision._meta.db_table))
        with connection.cursor() as cursor:
            cursor.execute(sql, [meeting.document.pk, CONFIG, CONFIG, f.query])
            return {(row[1], row[2]): list(row[0]) for row in cursor.fetchall()}
    wanted, unwanted = words.terms(f.query), words.excluded(f.query)
    found: dict[tuple[int, str], list[int]] = {}
    for revision in Revision.objects.filter(document=meeting.document).order_by("-number"):
        for element, _depth in snapshots.iter_elements(revision.snapshot["elements"]):
            if element["status"] != Status.DELETED and words.matches(
                element["text"], wanted, unwanted
            ):
                found.setdefault((element["id"], element["text"]), []).append(revision.pk)
    return found


def _published_places(revisions: list[Revision]) -> dict[int, dict[int, Place]]:
    """Each revision's places as published (deleted elements out, the rest renumbered), by
    revision id: kept by content hash (an issued revision never changes), else read from
    the snapshots, all in one query."""
    keys = {revision.pk: f"search-places:{revision.content_hash}" for revision in revisions}
    kept = cache.get_many(list(keys.values()))
    found = {pk: kept[key] for pk, key in keys.items() if key in kept}
    missing = [pk for pk in keys if pk not in found]
    if missing:
        fresh = {
            pk: places(snapshots.clean_tree(snapshot["elements"]))
            for pk, snapshot in Revision.objects.filter(pk__in=missing).values_list(
                "pk", "snapshot"
            )
        }
        cache.set_many({keys[pk]: value for pk, value in fresh.items()}, timeout=None)
        found.update(fresh)
    return found


def _revision_hits(meeting: Meeting, f: Filters, more: set[str]) -> list[TextHit]:
    groups = _revision_matches(meeting, f)
    if not groups:
        return []
    revisions = {revision.pk: revision for revision in selectors.revisions_of(meeting.document)}
    newest = {revision_ids[0] for revision_ids in groups.values()}
    published = _published_places([revisions[pk] for pk in newest])
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
        # Ids first: the text and rationale through their index, and the proposals of a
        # delegation the query names (by it or on its behalf); then the newest, whole.
        named = list(
            Delegation.objects.alias(found=SearchVector("name", "short_name", config=CONFIG))
            .filter(found=_query(f.query))
            .values_list("pk", flat=True)
        )
        newest = found.order_by("-updated_at", "-id").values_list("pk", "updated_at")
        ids = list(
            newest.alias(found=SearchVector("proposed_text", "rationale", config=CONFIG)).filter(
                found=_query(f.query)
            )[: LIMIT + 1]
        )
        if named:
            ids += newest.filter(Q(delegation__in=named) | Q(on_behalf_of__in=named))[: LIMIT + 1]
        chosen = sorted(set(ids), key=lambda row: (row[1], row[0]), reverse=True)[: LIMIT + 1]
        by_id = found.in_bulk([pk for pk, _updated in chosen])
        hits: list[Proposal] = [by_id[pk] for pk, _updated in chosen]
    else:
        wanted, unwanted = words.terms(f.query), words.excluded(f.query)
        hits = []
        for proposal in found.order_by("-updated_at", "-id").iterator(chunk_size=500):
            names = [proposal.delegation.name, proposal.delegation.short_name]
            if proposal.on_behalf_of is not None:
                names += [proposal.on_behalf_of.name, proposal.on_behalf_of.short_name]
            if words.matches(
                " ".join([proposal.proposed_text, proposal.rationale]), wanted, unwanted
            ) or words.matches(" ".join(names), wanted, unwanted):
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
    where: dict[int, Place]

    @property
    def agenda_items(self) -> list[Place]:
        return [place for place in self.where.values() if place.kind == Kind.AGENDA_ITEM]


def scope(meeting: Meeting, user: Any) -> Scope:
    """The part of ``meeting`` that ``user`` may search: the working draft's places (kept
    per version of the draft, as its pages are), else the newest issued revision's."""
    reads_drafts = permissions.can_read_working_draft(user, meeting.document)
    document = meeting.document
    if reads_drafts:
        where = page_cache.draft_places(document)
    else:
        latest = selectors.revisions_of(document).last()
        where = _published_places([latest])[latest.pk] if latest is not None else {}
    return Scope(
        reads_drafts=reads_drafts, own_delegation=permissions.delegation_of(user), where=where
    )


def search(meeting: Meeting, scope: Scope, filters: Filters) -> Results:
    """What the scope's reader may read that matches ``filters`` (see the module's
    docstring); nothing when the query is empty."""
    results = Results(filters=filters, wanted=words.terms(filters.query))
    if not filters.query.strip():
        return results
    if scope.reads_drafts and filters.looks_in(DRAFT):
        results.draft = _cut(_draft_hits(meeting, scope.where, filters), DRAFT, results.more)
    if filters.looks_in(REVISIONS):
        results.revisions = _revision_hits(meeting, filters, results.more)
        if not filters.where and results.draft:
            # Looking everywhere, an issued text the working draft still reads word for
            # word is found there already: only earlier wordings are listed again.
            current = {(hit.place.element_id, hit.text) for hit in results.draft}
            kept = [
                hit for hit in results.revisions if (hit.place.element_id, hit.text) not in current
            ]
            results.same_as_draft = len(results.revisions) - len(kept)
            results.revisions = kept
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
