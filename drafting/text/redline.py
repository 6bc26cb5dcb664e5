"""A redline between two snapshots of a document. Plain Python.

Elements are matched by their stable id. Each row of the redline is one element in the
reading order of the newer snapshot, with elements that disappeared placed after their
former predecessor, so a deletion is always shown (struck), never silently dropped.

An element whose status is "deleted" is not part of the text it belongs to (see
:func:`snapshot.clean_tree`): in the older snapshot it is left out, and in the newer one it
counts as gone, so an element the chair deleted since the older snapshot is a deleted row,
struck through, with its children.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from drafting.text import brackets
from drafting.text.diff import DiffSegment, Operation, word_diff
from drafting.text.kinds import Kind, Status
from drafting.text.numbering import SUBTHEME_BULLET, THEME_BULLET
from drafting.text.snapshot import SnapshotElement, iter_elements, without_deleted


class Change(StrEnum):
    """What happened to an element between the two snapshots."""

    INSERTED = "inserted"
    DELETED = "deleted"  # gone from the newer snapshot
    CHANGED = "changed"
    UNCHANGED = "unchanged"


@dataclass
class RedlineRow:
    id: int
    kind: Kind
    depth: int
    label: str
    old_label: str
    change: Change
    segments: list[DiffSegment]
    moved: bool = False
    # Both set only when the element is in both snapshots.
    old_status: Status | None = None
    status: Status | None = None
    # Where the element sits: its ancestors' labels (or, for an unnumbered heading, its
    # first words), outermost first; in the newer snapshot, or the older for a deleted row.
    context: tuple[str, ...] = ()

    @property
    def is_inserted(self) -> bool:
        return self.change == Change.INSERTED

    @property
    def is_deleted(self) -> bool:
        return self.change == Change.DELETED

    @property
    def shows_change(self) -> bool:
        return self.change != Change.UNCHANGED or self.moved

    @property
    def status_changed(self) -> bool:
        return (
            self.old_status is not None
            and self.status is not None
            and self.old_status != self.status
        )


@dataclass
class AgendaItemCount:
    label: str
    old: int
    new: int


@dataclass
class Redline:
    rows: list[RedlineRow] = field(default_factory=list)
    bracket_counts: list[AgendaItemCount] = field(default_factory=list)
    old_total: int = 0
    new_total: int = 0

    @property
    def changed_rows(self) -> list[RedlineRow]:
        """Only the rows that show a change (inserted, deleted, changed or moved)."""
        return [row for row in self.rows if row.shows_change]

    def count(self, change: Change) -> int:
        return sum(1 for row in self.rows if row.change == change)

    @property
    def count_inserted(self) -> int:
        return self.count(Change.INSERTED)

    @property
    def count_changed(self) -> int:
        return self.count(Change.CHANGED)

    @property
    def count_deleted(self) -> int:
        return self.count(Change.DELETED)

    @property
    def moved(self) -> int:
        return sum(1 for row in self.rows if row.moved)


def _index(tree: list[SnapshotElement]) -> dict[int, tuple[SnapshotElement, int, int | None, int]]:
    """id -> (element, depth, parent id, index among siblings)."""
    found: dict[int, tuple[SnapshotElement, int, int | None, int]] = {}
    stack: list[tuple[SnapshotElement, int, int | None, int]] = [
        (element, 0, None, index) for index, element in reversed(list(enumerate(tree)))
    ]
    while stack:
        element, depth, parent, index = stack.pop()
        found[element["id"]] = (element, depth, parent, index)
        stack.extend(
            (child, depth + 1, element["id"], child_index)
            for child_index, child in reversed(list(enumerate(element["children"])))
        )
    return found


def _live_text(element: SnapshotElement) -> str:
    return element["text"]


CONTEXT_WORDS = 5


def _context(
    index: dict[int, tuple[SnapshotElement, int, int | None, int]], element_id: int
) -> tuple[str, ...]:
    """The labels of an element's ancestors, outermost first (the first words of an
    unnumbered heading or of a bulleted theme stand for its label)."""
    labels: list[str] = []
    parent = index[element_id][2]
    while parent is not None:
        ancestor, _depth, parent_id, _position = index[parent]
        words = ancestor["text"].split()
        short = " ".join(words[:CONTEXT_WORDS]) + (" …" if len(words) > CONTEXT_WORDS else "")
        bullet = ancestor["label"] in {"", THEME_BULLET, SUBTHEME_BULLET}
        labels.append(short if bullet else ancestor["label"])
        parent = parent_id
    return tuple(reversed(labels))


def _sibling_order(
    index: dict[int, tuple[SnapshotElement, int, int | None, int]], common: set[int]
) -> dict[int, tuple[int | None, int]]:
    """Each common element's parent and its rank among the common siblings."""
    by_parent: dict[int | None, list[tuple[int, int]]] = {}
    for element_id, (_element, _depth, parent, position) in index.items():
        if element_id in common:
            by_parent.setdefault(parent, []).append((position, element_id))
    order: dict[int, tuple[int | None, int]] = {}
    for parent, members in by_parent.items():
        for rank, (_position, element_id) in enumerate(sorted(members)):
            order[element_id] = (parent, rank)
    return order


def compare(old_tree: list[SnapshotElement], new_tree: list[SnapshotElement]) -> Redline:
    """The redline from ``old_tree`` to ``new_tree`` (both snapshot trees, labelled as each
    is shown: a revision by :func:`snapshot.clean_tree`, the working draft as built).
    Elements with the status "deleted" are left out of both first (see the module)."""
    old_tree, new_tree = without_deleted(old_tree), without_deleted(new_tree)
    old_index, new_index = _index(old_tree), _index(new_tree)
    common = set(old_index) & set(new_index)
    old_order, new_order = _sibling_order(old_index, common), _sibling_order(new_index, common)

    rows: list[RedlineRow] = []
    new_ids_in_order = [element["id"] for element, _depth in iter_elements(new_tree)]
    emitted: set[int] = set()

    def old_row(element_id: int) -> RedlineRow:
        element, depth, _parent, _position = old_index[element_id]
        return RedlineRow(
            id=element_id,
            kind=element["kind"],
            depth=depth,
            label="",
            old_label=element["label"],
            change=Change.DELETED,
            segments=[DiffSegment(Operation.DELETE, element["text"])] if element["text"] else [],
            old_status=element["status"],
            context=_context(old_index, element_id),
        )

    # Old elements that vanished, keyed by the old element they followed in reading order.
    old_reading = [element["id"] for element, _depth in iter_elements(old_tree)]
    vanished_after: dict[int | None, list[int]] = {}
    previous: int | None = None
    for element_id in old_reading:
        if element_id not in new_index:
            vanished_after.setdefault(previous, []).append(element_id)
        else:
            previous = element_id

    for element_id in vanished_after.get(None, []):
        rows.append(old_row(element_id))
    for element_id in new_ids_in_order:
        element, depth, _parent, _position = new_index[element_id]
        if element_id in old_index:
            old_element = old_index[element_id][0]
            segments = word_diff(_live_text(old_element), _live_text(element))
            changed = (
                any(s.op != Operation.EQUAL for s in segments)
                or old_element["status"] != element["status"]
            )
            rows.append(
                RedlineRow(
                    id=element_id,
                    kind=element["kind"],
                    depth=depth,
                    label=element["label"],
                    old_label=old_element["label"],
                    change=Change.CHANGED if changed else Change.UNCHANGED,
                    segments=segments,
                    moved=old_order[element_id] != new_order[element_id],
                    old_status=old_element["status"],
                    status=element["status"],
                    context=_context(new_index, element_id),
                )
            )
        else:
            rows.append(
                RedlineRow(
                    id=element_id,
                    kind=element["kind"],
                    depth=depth,
                    label=element["label"],
                    old_label="",
                    change=Change.INSERTED,
                    segments=[DiffSegment(Operation.INSERT, element["text"])]
                    if element["text"]
                    else [],
                    status=element["status"],
                    context=_context(new_index, element_id),
                )
            )
        emitted.add(element_id)
        for vanished_id in vanished_after.get(element_id, []):
            rows.append(old_row(vanished_id))

    return Redline(
        rows=rows,
        bracket_counts=_bracket_counts(old_tree, new_tree),
        old_total=_total(old_tree),
        new_total=_total(new_tree),
    )


def _subtree_brackets(element: SnapshotElement) -> int:
    return sum(
        brackets.count_groups(node["text"])
        for node, _depth in iter_elements([element])
        if node["status"] != Status.DELETED
    )


def _total(tree: list[SnapshotElement]) -> int:
    return sum(_subtree_brackets(element) for element in tree)


def _bracket_counts(
    old_tree: list[SnapshotElement], new_tree: list[SnapshotElement]
) -> list[AgendaItemCount]:
    """Open brackets per agenda item in both snapshots (items matched by id)."""
    old_items = {e["id"]: e for e in old_tree if e["kind"] == Kind.AGENDA_ITEM}
    counts = []
    for element in new_tree:
        if element["kind"] != Kind.AGENDA_ITEM:
            continue
        old = old_items.get(element["id"])
        counts.append(
            AgendaItemCount(
                label=element["label"],
                old=_subtree_brackets(old) if old else 0,
                new=_subtree_brackets(element),
            )
        )
    new_ids = {e["id"] for e in new_tree}
    for element_id, old in old_items.items():
        if element_id not in new_ids:
            counts.append(AgendaItemCount(label=old["label"], old=_subtree_brackets(old), new=0))
    return counts
