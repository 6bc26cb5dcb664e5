"""The frozen form of a document: a JSON-ready tree, and its content hash.

A snapshot is what a revision stores and what ``export_revision --format json`` prints
under ``"elements"``. Each element is::

    {"id": 12, "kind": "theme", "label": "-", "text": "...", "status": "pending",
     "unnumbered": false, "footnotes": ["..."], "children": [...]}

``kind`` is a :class:`~drafting.text.kinds.Kind` and ``status`` a
:class:`~drafting.text.kinds.Status` (read back from JSON they are the members' plain strings,
which compare equal to them).
``label`` is derived from position (see :mod:`numbering`); footnotes are listed in order,
and numbered through the document in reading order by :func:`footnote_numbering`.

Deleted elements: in the working draft an element the chair deleted stays, struck through,
and keeps its number until the next revision (as an insertion is numbered "2 bis" until
then), so that references made during a round stay right. A revision as published (its
page, PDF and JSON export: :func:`clean_tree`) leaves deleted elements out, with their
children and footnotes, and numbers the rest again, as UN revisions do; only a redline
shows them, struck through.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

from drafting.text import brackets
from drafting.text.kinds import Kind, Status
from drafting.text.numbering import OutlineNode, label_tree


class SnapshotElement(TypedDict):
    """One element of a snapshot tree, as the module's docstring shows it."""

    id: int
    kind: Kind
    label: str
    text: str
    status: Status
    # Snapshots stored before sections could be unnumbered lack it (see clean_tree).
    unnumbered: NotRequired[bool]
    footnotes: list[str]
    children: list["SnapshotElement"]


class SnapshotDocument(TypedDict):
    """The document's own fields, as the revision froze them."""

    title: str
    # Snapshots stored before documents had a preamble lack it.
    preamble: NotRequired[str]


class Snapshot(TypedDict):
    """What a revision stores: the document's title and preamble, and its element tree."""

    format: int
    document: SnapshotDocument
    elements: list[SnapshotElement]


@dataclass(frozen=True)
class ElementRow:
    """One element as stored: a flat row with its parent's id and its position."""

    id: int
    parent_id: int | None
    position: int
    kind: Kind
    text: str
    status: Status
    unnumbered: bool = False
    footnotes: tuple[str, ...] = field(default=())
    provisional: bool = False


def build_tree(rows: Iterable[ElementRow]) -> list[SnapshotElement]:
    """Nest flat rows into the snapshot tree, ordered by position, with derived labels."""
    children_of: dict[int | None, list[ElementRow]] = defaultdict(list)
    for row in rows:
        children_of[row.parent_id].append(row)
    for siblings in children_of.values():
        siblings.sort(key=lambda row: row.position)

    def outline(parent_id: int | None) -> list[OutlineNode]:
        return [
            OutlineNode(
                key=row.id,
                kind=row.kind,
                unnumbered=row.unnumbered,
                provisional=row.provisional,
                children=outline(row.id),
            )
            for row in children_of.get(parent_id, [])
        ]

    labels = label_tree(outline(None))

    def nest(parent_id: int | None) -> list[SnapshotElement]:
        return [
            {
                "id": row.id,
                "kind": row.kind,
                "label": labels[row.id],
                "text": row.text,
                "status": row.status,
                "unnumbered": row.unnumbered,
                "footnotes": list(row.footnotes),
                "children": nest(row.id),
            }
            for row in children_of.get(parent_id, [])
        ]

    return nest(None)


def without_deleted(tree: list[SnapshotElement]) -> list[SnapshotElement]:
    """The tree without its deleted elements; each takes its children and footnotes with it.
    Labels are left as they were (see :func:`clean_tree`)."""
    return [
        {**element, "children": without_deleted(element["children"])}
        for element in tree
        if element["status"] != Status.DELETED
    ]


def clean_tree(tree: list[SnapshotElement]) -> list[SnapshotElement]:
    """An issued revision's tree as published: deleted elements left out (with their children
    and footnotes) and the rest labelled again from position, so the numbering skips them.

    A revision's snapshot has no provisional ("bis") elements (issuing numbers them), so
    a tree without deleted elements comes back with the labels it had.
    """
    kept = without_deleted(tree)

    def outline(elements: list[SnapshotElement]) -> list[OutlineNode]:
        return [
            OutlineNode(
                key=element["id"],
                kind=element["kind"],
                unnumbered=element.get(
                    "unnumbered", element["kind"] == Kind.SECTION and not element["label"]
                ),
                children=outline(element["children"]),
            )
            for element in elements
        ]

    labels = label_tree(outline(kept))

    def relabel(elements: list[SnapshotElement]) -> list[SnapshotElement]:
        return [
            {**element, "label": labels[element["id"]], "children": relabel(element["children"])}
            for element in elements
        ]

    return relabel(kept)


def clean_snapshot(snapshot: Snapshot) -> Snapshot:
    """A revision's snapshot as published (see :func:`clean_tree`)."""
    return {**snapshot, "elements": clean_tree(snapshot["elements"])}


def iter_elements(tree: list[SnapshotElement]) -> Iterator[tuple[SnapshotElement, int]]:
    """Every element of a snapshot tree with its depth (0 = top), in reading order."""
    stack = [(element, 0) for element in reversed(tree)]
    while stack:
        element, depth = stack.pop()
        yield element, depth
        stack.extend((child, depth + 1) for child in reversed(element["children"]))


def footnote_numbering(tree: list[SnapshotElement]) -> dict[Hashable, list[int]]:
    """Footnote numbers per element id, counted through the document in reading order."""
    numbers: dict[Hashable, list[int]] = {}
    counter = 0
    for element, _depth in iter_elements(tree):
        own = []
        for _text in element["footnotes"]:
            counter += 1
            own.append(counter)
        numbers[element["id"]] = own
    return numbers


def bracket_count(tree: list[SnapshotElement]) -> int:
    """Open bracket groups in a whole (sub)tree; deleted elements do not count."""
    return sum(
        brackets.count_groups(element["text"])
        for element, _depth in iter_elements(tree)
        if element["status"] != Status.DELETED
    )


def canonical_json(value: Any) -> str:
    """Stable serialisation: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``, as 64 hex digits."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
