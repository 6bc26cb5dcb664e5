"""Turns a snapshot tree into what the document templates show. Plain Python, no queries.

The working draft and every issued revision are shown from the same shape (see
:mod:`drafting.text.snapshot`), so they read the same way.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext_lazy as _

from drafting.models import MarkStance, ProposalStatus
from drafting.text import brackets
from drafting.text.kinds import Kind, Status
from drafting.text.snapshot import (
    Snapshot,
    SnapshotElement,
    footnote_numbering,
    iter_elements,
)

BLOCK_KINDS = {Kind.AGENDA_ITEM, Kind.CHAPTER, Kind.SECTION}


@dataclass
class FootnoteView:
    number: int
    text: str
    element_id: int


@dataclass
class ElementView:
    id: int
    kind: Kind
    label: str
    text: str
    status: Status
    footnotes: list[FootnoteView]
    open_brackets: int
    subtree_open_brackets: int = 0
    blocks: list["Block"] = field(default_factory=list)

    @property
    def is_placeholder(self) -> bool:
        return self.kind == Kind.PLACEHOLDER

    @property
    def is_agenda_item(self) -> bool:
        return self.kind == Kind.AGENDA_ITEM

    @property
    def is_chapter(self) -> bool:
        return self.kind == Kind.CHAPTER

    @property
    def is_section(self) -> bool:
        return self.kind == Kind.SECTION

    @property
    def is_deleted(self) -> bool:
        return self.status == Status.DELETED

    @property
    def is_agreed(self) -> bool:
        return self.status == Status.AGREED


@dataclass
class Block:
    """Children are shown as blocks: a heading element, or a run of bulleted elements."""

    is_list: bool
    items: list[ElementView]


@dataclass
class DocumentView:
    title: str
    preamble: str
    elements: list[ElementView]
    footnotes: list[FootnoteView]
    open_brackets: int
    agenda_items: list[ElementView]


def present(snapshot: Snapshot) -> DocumentView:
    tree = snapshot["elements"]
    numbers = footnote_numbering(tree)
    all_footnotes: list[FootnoteView] = []

    def view(element: SnapshotElement) -> ElementView:
        footnotes = [
            FootnoteView(number=number, text=text, element_id=element["id"])
            for number, text in zip(numbers[element["id"]], element["footnotes"], strict=True)
        ]
        all_footnotes.extend(footnotes)
        own = 0 if element["status"] == Status.DELETED else brackets.count_groups(element["text"])
        result = ElementView(
            id=element["id"],
            kind=element["kind"],
            label=element["label"],
            text=element["text"],
            status=element["status"],
            footnotes=footnotes,
            open_brackets=own,
        )
        children = [view(child) for child in element["children"]]
        result.blocks = group_blocks(children)
        result.subtree_open_brackets = own + sum(child.subtree_open_brackets for child in children)
        return result

    elements = [view(element) for element in tree]
    all_footnotes.sort(key=lambda footnote: footnote.number)
    return DocumentView(
        title=snapshot["document"]["title"],
        preamble=snapshot["document"].get("preamble", ""),
        elements=elements,
        footnotes=all_footnotes,
        open_brackets=sum(element.subtree_open_brackets for element in elements),
        agenda_items=[element for element in elements if element.kind == Kind.AGENDA_ITEM],
    )


def group_blocks(children: list[ElementView]) -> list[Block]:
    blocks: list[Block] = []
    for child in children:
        if child.kind in BLOCK_KINDS:
            blocks.append(Block(is_list=False, items=[child]))
        elif blocks and blocks[-1].is_list:
            blocks[-1].items.append(child)
        else:
            blocks.append(Block(is_list=True, items=[child]))
    return blocks


def count_kinds(snapshot: Snapshot) -> dict[str, int]:
    counts: dict[str, int] = {}
    for element, _depth in iter_elements(snapshot["elements"]):
        counts[element["kind"]] = counts.get(element["kind"], 0) + 1
    return counts


STANCE_ORDER = (
    MarkStance.SUPPORT,
    MarkStance.CAN_ACCEPT,
    MarkStance.RESERVATION,
    MarkStance.OPPOSE,
)
# How a list of delegations taking a stance starts, and a stance's name beside its count.
STANCE_HEADINGS: dict[str, Any] = {
    MarkStance.SUPPORT: _("Supported by:"),
    MarkStance.CAN_ACCEPT: _("Can accept:"),
    MarkStance.RESERVATION: _("Reservation:"),
    MarkStance.OPPOSE: _("Opposed by:"),
}
STANCE_NAMES: dict[str, Any] = {
    MarkStance.SUPPORT: _("Support"),
    MarkStance.CAN_ACCEPT: _("Can accept"),
    MarkStance.RESERVATION: _("Reservation"),
    MarkStance.OPPOSE: _("Oppose"),
}


@dataclass(frozen=True)
class MarkEntry:
    """One delegation's mark: its name, stance, note, and the proposal version it was given to."""

    name: str
    stance: str
    note: str
    version: int


@dataclass
class MarkSummary:
    """The marks given to the proposal's current version (which count), by name, with their
    notes; and apart, those given to an earlier version (which no longer count)."""

    supporters: list[str]
    opponents: list[str]
    current: list[MarkEntry] = field(default_factory=list)
    earlier: list[MarkEntry] = field(default_factory=list)

    @property
    def positions(self) -> list["StanceGroup"]:
        """Every stance, warmest first, with the delegations that took it (the counts)."""
        return [
            StanceGroup(stance, [m for m in self.current if m.stance == stance])
            for stance in STANCE_ORDER
        ]

    @property
    def stated(self) -> list["StanceGroup"]:
        """The stances some delegation took, warmest first."""
        return [group for group in self.positions if group.entries]

    @property
    def support_count(self) -> int:
        return len(self.supporters)

    @property
    def opposition_count(self) -> int:
        return len(self.opponents)

    @property
    def supporting(self) -> list[MarkEntry]:
        return [m for m in self.current if m.stance == MarkStance.SUPPORT]

    @property
    def opposing(self) -> list[MarkEntry]:
        return [m for m in self.current if m.stance == MarkStance.OPPOSE]


@dataclass(frozen=True)
class StanceGroup:
    """One stance and the marks (current version) that take it."""

    stance: str
    entries: list[MarkEntry]

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def heading(self) -> str:
        return str(STANCE_HEADINGS[self.stance])

    @property
    def name(self) -> str:
        return str(STANCE_NAMES[self.stance])


def _summary(proposal: Any) -> MarkSummary:
    """The marks attached by the selector, or counted from the prefetched marks."""
    attached = getattr(proposal, "mark_summary", None)
    if attached is not None:
        return attached
    return mark_summary(list(proposal.marks.all()), proposal.version)


def mark_summary(marks: list[Any], version: int) -> MarkSummary:
    """Names of supporting and opposing delegations, groups and States alike, by name; only
    marks given to ``version`` (the proposal's current one) count."""
    return summarise_marks(
        [MarkEntry(m.delegation.short_name, m.stance, m.note, m.version) for m in marks], version
    )


def summarise_marks(entries: list[MarkEntry], version: int) -> MarkSummary:
    entries = sorted(entries, key=lambda m: (m.name, m.stance))
    current = [m for m in entries if m.version == version]
    return MarkSummary(
        supporters=[m.name for m in current if m.stance == MarkStance.SUPPORT],
        opponents=[m.name for m in current if m.stance == MarkStance.OPPOSE],
        current=current,
        earlier=sorted(
            (m for m in entries if m.version != version), key=lambda m: (-m.version, m.name)
        ),
    )


@dataclass
class CompiledProposal:
    proposal: Any
    segments: list[Any]
    marks: MarkSummary


@dataclass
class CompiledElement:
    element: ElementView
    depth: int
    proposals: list[CompiledProposal]
    open_count: int
    # Ids of the elements it sits in, outermost first (agenda item or chapter, section,
    # the paragraph of a sub-paragraph).
    ancestors: tuple[int, ...] = ()
    # Shown only to say where the rows under it sit: its heading, not its proposals.
    context_only: bool = False


def compile_rows(
    document_view: DocumentView,
    proposals: list[Any],
    *,
    agenda_item_id: int | None = None,
    card: Callable[[Any], Any] | None = None,
) -> tuple[list[CompiledElement], dict[int, int]]:
    """The working draft in reading order with each element's proposals under it.

    ``proposals`` need ``element_id`` and ``status``; ``card`` makes what a row lists of each
    (by default a `CompiledProposal`). Returns the rows and the number of open (submitted)
    proposals per agenda item id.
    """
    card = card or (lambda p: CompiledProposal(p, p.diff_segments, _summary(p)))
    by_element: dict[int, list[Any]] = {}
    for proposal in proposals:
        by_element.setdefault(proposal.element_id, []).append(proposal)
    rows: list[CompiledElement] = []
    per_item: dict[int, int] = {}

    def walk(element: ElementView, depth: int, item_id: int, ancestors: tuple[int, ...]) -> None:
        own = by_element.get(element.id, [])
        open_count = sum(1 for p in own if p.status == ProposalStatus.SUBMITTED)
        per_item[item_id] = per_item.get(item_id, 0) + open_count
        if agenda_item_id is None or item_id == agenda_item_id:
            rows.append(
                CompiledElement(
                    element=element,
                    depth=depth,
                    proposals=[card(p) for p in own],
                    open_count=open_count,
                    ancestors=ancestors,
                )
            )
        inside = (*ancestors, element.id)
        for block in element.blocks:
            for child in block.items:
                walk(child, depth + 1, item_id, inside)

    for element in document_view.elements:
        walk(element, 0, element.id, ())
    return rows, per_item


def rows_in_context(rows: list[CompiledElement]) -> list[CompiledElement]:
    """The rows with proposals, each preceded by the elements it sits in (agenda item or
    chapter, section, parent paragraph) that are not shown already: once each, in reading
    order, marked ``context_only`` (a heading, not the element's proposals or whole text).

    ``rows`` are `compile_rows`' rows, in reading order (an element before those inside it).
    """
    by_id = {row.element.id: row for row in rows}
    shown: list[CompiledElement] = []
    seen: set[int] = set()
    for row in rows:
        if not row.proposals:
            continue
        for ancestor_id in row.ancestors:
            ancestor = by_id.get(ancestor_id)
            if ancestor_id in seen or ancestor is None:
                continue
            seen.add(ancestor_id)
            shown.append(replace(ancestor, proposals=[], context_only=True))
        seen.add(row.element.id)
        shown.append(row)
    return shown


def find_element(document_view: DocumentView, element_id: int) -> ElementView | None:
    """The element of the tree with id ``element_id``, or None."""
    stack = list(document_view.elements)
    while stack:
        element = stack.pop()
        if element.id == element_id:
            return element
        stack.extend(child for block in element.blocks for child in block.items)
    return None


def subtree_ids(document_view: DocumentView, element_id: int) -> set[int]:
    """Ids of an element and everything under it (for filtering by agenda item)."""
    found: set[int] = set()

    def walk(element: ElementView, inside: bool) -> None:
        inside = inside or element.id == element_id
        if inside:
            found.add(element.id)
        for block in element.blocks:
            for child in block.items:
                walk(child, inside)

    for element in document_view.elements:
        walk(element, False)
    return found
