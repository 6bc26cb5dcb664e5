"""Turns a snapshot tree into what the document templates show. Plain Python, no ORM.

The working draft and every issued revision are shown from the same shape (see
:mod:`drafting.text.snapshot`), so they read the same way.
"""

from dataclasses import dataclass, field
from typing import Any

from drafting.text import brackets
from drafting.text.numbering import AGENDA_ITEM, SECTION
from drafting.text.snapshot import footnote_numbering, iter_elements

BLOCK_KINDS = {AGENDA_ITEM, SECTION}


@dataclass
class FootnoteView:
    number: int
    text: str
    element_id: int


@dataclass
class ElementView:
    id: int
    kind: str
    label: str
    text: str
    status: str
    footnotes: list[FootnoteView]
    open_brackets: int
    subtree_open_brackets: int = 0
    blocks: list["Block"] = field(default_factory=list)

    @property
    def is_placeholder(self) -> bool:
        return self.kind == "placeholder"


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


def present(snapshot: dict[str, Any]) -> DocumentView:
    tree = snapshot["elements"]
    numbers = footnote_numbering(tree)
    all_footnotes: list[FootnoteView] = []

    def view(element: dict[str, Any]) -> ElementView:
        footnotes = [
            FootnoteView(number=number, text=text, element_id=element["id"])
            for number, text in zip(numbers[element["id"]], element["footnotes"], strict=True)
        ]
        all_footnotes.extend(footnotes)
        own = 0 if element["status"] == "deleted" else brackets.count_groups(element["text"])
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
        agenda_items=[element for element in elements if element.kind == AGENDA_ITEM],
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


def count_kinds(snapshot: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for element, _depth in iter_elements(snapshot["elements"]):
        counts[element["kind"]] = counts.get(element["kind"], 0) + 1
    return counts


@dataclass
class MarkSummary:
    supporters: list[str]
    opponents: list[str]

    @property
    def support_count(self) -> int:
        return len(self.supporters)

    @property
    def opposition_count(self) -> int:
        return len(self.opponents)


def mark_summary(marks: list[Any]) -> MarkSummary:
    """Names of supporting and opposing delegations, groups and States alike, by name."""
    supporters = sorted(m.delegation.short_name for m in marks if m.stance == "support")
    opponents = sorted(m.delegation.short_name for m in marks if m.stance == "oppose")
    return MarkSummary(supporters, opponents)
