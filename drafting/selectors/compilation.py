"""The compilation's reads: its proposals as light rows (one query), the choices of its
filters, its open proposals per agenda item, and the digest of what a compilation PDF shows.
Each does a fixed number of queries, whatever the document's size."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, Max, OuterRef, Subquery

from drafting.models import (
    PRIVATE_STATUSES,
    ConsultationRound,
    Delegation,
    Document,
    Proposal,
    ProposalMark,
    Revision,
)
from drafting.selectors import delegations_version, open_proposal_counts
from drafting.text import snapshot as snapshots


@dataclass(frozen=True)
class CompilationEntry:
    """One proposal of the compilation as the page lays it out; its block of HTML is cached
    under ``version``, which changes with any write to the proposal or to its marks."""

    id: int
    public_id: str
    element_id: int
    status: str
    version: str
    # The proposal's own version (its text as revised): what a decision is given to.
    proposal_version: int = 0
    # Whether a revision already carries the chair's decision (then it cannot be undone).
    reflected: bool = False
    decided_at: datetime | None = None
    # The proposing delegation's short name (a decided proposal's folded summary names it).
    delegation: str = ""


def _latest_history(model, field: str) -> Subquery:
    """The newest history id of the rows whose ``field`` is the outer proposal's id.

    Grouped on purpose: without GROUP BY, PostgreSQL may answer ``max`` (or ORDER BY ...
    LIMIT 1) by walking the history's primary key backwards until a row matches, which
    reads most of the table for old proposals; grouped, it uses the index on ``field``.
    """
    history = model.history.model.objects.filter(**{field: OuterRef("pk")})
    return Subquery(history.values(field).annotate(latest=Max("history_id")).values("latest"))


def compilation_entries(
    document: Document,
    *,
    delegation_code: str = "",
    kind: str = "",
    status: str = "",
    element_ids: set[int] | None = None,
    round_id: int | None = None,
    base_revision_number: int | None = None,
    stance: str = "",
) -> list[CompilationEntry]:
    """Visible proposals for the compilation, filtered, as light rows in one query.

    ``stance`` keeps the proposals with at least one mark of that stance given to their
    current version (an earlier version's mark no longer counts).

    Each row carries the newest history ids of the proposal and of its marks: every write to
    either (submission, revision, decision, reflection in a revision, a mark set, changed or
    withdrawn) adds a history row, so the pair names one version of the proposal's block.
    """
    proposals = Proposal.objects.filter(document=document).exclude(status__in=PRIVATE_STATUSES)
    if element_ids is not None:
        proposals = proposals.filter(element_id__in=element_ids)
    if delegation_code:
        proposals = proposals.filter(delegation__code=delegation_code)
    if kind:
        proposals = proposals.filter(kind=kind)
    if status:
        proposals = proposals.filter(status=status)
    if round_id is not None:
        proposals = proposals.filter(round_id=round_id)
    if base_revision_number is not None:
        proposals = proposals.filter(base_revision__number=base_revision_number)
    if stance:
        marked = ProposalMark.objects.filter(
            proposal=OuterRef("pk"), stance=stance, version=OuterRef("version")
        )
        proposals = proposals.filter(Exists(marked))
    rows = (
        proposals.annotate(
            own=_latest_history(Proposal, "id"),
            marks_version=_latest_history(ProposalMark, "proposal_id"),
        )
        .order_by("submitted_at", "id")
        .values_list(
            "id",
            "public_id",
            "element_id",
            "status",
            "own",
            "marks_version",
            "version",
            "reflected_in_id",
            "decided_at",
            "delegation__short_name",
            # Written once, never edited: its id versions the block it shows under.
            "decision_reply__id",
        )
    )
    return [
        CompilationEntry(
            pk,
            str(public_id),
            element_id,
            state,
            f"{own}.{marks or 0}.{reply or 0}",
            version,
            reflected_in is not None,
            decided_at,
            delegation,
        )
        for (
            pk,
            public_id,
            element_id,
            state,
            own,
            marks,
            version,
            reflected_in,
            decided_at,
            delegation,
            reply,
        ) in rows
    ]


def proposing_delegations(document: Document) -> list[tuple[str, str]]:
    """Codes and names of the delegations with a proposal on this document, by name (the
    compilation's filter): an index lookup per delegation, not a join over every proposal.
    Drafts do not count: that a delegation is writing one is its own business."""
    made = Proposal.objects.filter(document=document, delegation=OuterRef("pk")).exclude(
        status__in=PRIVATE_STATUSES
    )
    return list(
        Delegation.objects.filter(Exists(made)).order_by("name").values_list("code", "name")
    )


def compilation_choices(document: Document) -> dict[str, list[tuple[str, str]]]:
    """The compilation's round and base-revision filters: (value, label) pairs, oldest first
    (two small queries)."""
    rounds = ConsultationRound.objects.filter(document=document).order_by("opens_at", "pk")
    revisions = Revision.objects.filter(document=document).order_by("number")
    return {
        "rounds": [(str(pk), name) for pk, name in rounds.values_list("pk", "name")],
        "revisions": [
            (str(number), label) for number, label in revisions.values_list("number", "label")
        ],
    }


def open_counts_per_agenda_item(document: Document, document_view) -> dict[int, int]:
    """Submitted proposals per agenda item id: one aggregate query, summed over subtrees."""
    per_element = open_proposal_counts(document)
    counts: dict[int, int] = {}
    for item in document_view.agenda_items:
        stack = [item]
        total = 0
        while stack:
            element = stack.pop()
            total += per_element.get(element.id, 0)
            stack.extend(child for block in element.blocks for child in block.items)
        counts[item.id] = total
    return counts


def compilation_content_key(revision: Revision) -> str:
    """A digest of what the compilation of proposals made against ``revision`` shows: which
    proposals (submitted and later, not drafts), the newest history id of each (every
    version, decision, co-sponsor change and reflection adds one) and of its marks (set,
    changed or withdrawn), its delegation's reply to the chair's note, and the delegations'
    names. Two queries, index lookups; the same
    key means the same compilation."""
    rows = (
        Proposal.objects.filter(document_id=revision.document_id, base_revision=revision)
        .exclude(status__in=PRIVATE_STATUSES)
        .annotate(
            own=_latest_history(Proposal, "id"),
            marks_version=_latest_history(ProposalMark, "proposal_id"),
        )
        .order_by("id")
        .values_list("id", "own", "marks_version", "decision_reply__id")
    )
    return snapshots.content_hash([delegations_version(), [list(row) for row in rows]])
