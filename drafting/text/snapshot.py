"""The frozen form of a document: a JSON-ready tree, and its content hash.

A snapshot is what a revision stores and what ``export_revision --format json`` prints
under ``"elements"``. Each element is::

    {"id": 12, "kind": "theme", "label": "-", "text": "...", "status": "pending",
     "unnumbered": false, "footnotes": ["..."], "children": [...]}

``kind`` is one of agenda_item, section, theme, subtheme, paragraph, placeholder.
``label`` is derived from position (see :mod:`numbering`); footnotes are listed in order,
and numbered through the document in reading order by :func:`footnote_numbering`.
"""

import hashlib
import json
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from drafting.text import brackets
from drafting.text.numbering import OutlineNode, label_tree


@dataclass(frozen=True)
class ElementRow:
    """One element as stored: a flat row with its parent's id and its position."""

    id: int
    parent_id: int | None
    position: int
    kind: str
    text: str
    status: str
    unnumbered: bool = False
    footnotes: tuple[str, ...] = field(default=())
    provisional: bool = False


def build_tree(rows: Iterable[ElementRow]) -> list[dict[str, Any]]:
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

    def nest(parent_id: int | None) -> list[dict[str, Any]]:
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


def iter_elements(tree: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], int]]:
    """Every element of a snapshot tree with its depth (0 = top), in reading order."""
    stack = [(element, 0) for element in reversed(tree)]
    while stack:
        element, depth = stack.pop()
        yield element, depth
        stack.extend((child, depth + 1) for child in reversed(element["children"]))


def footnote_numbering(tree: list[dict[str, Any]]) -> dict[Hashable, list[int]]:
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


def bracket_count(tree: list[dict[str, Any]]) -> int:
    """Open bracket groups in a whole (sub)tree; deleted elements do not count."""
    return sum(
        brackets.count_groups(element["text"])
        for element, _depth in iter_elements(tree)
        if element["status"] != "deleted"
    )


def canonical_json(value: Any) -> str:
    """Stable serialisation: sorted keys, no spaces, UTF-8 kept as is."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(value: Any) -> str:
    """SHA-256 of the canonical JSON of ``value``, as 64 hex digits."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()
