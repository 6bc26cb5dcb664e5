"""Where an element sits in its document, in words a reader knows: its agenda item, its
section, its own label and its opening words ("Agenda item 2, section B, - States
should..."). Plain Python over a snapshot tree, no ORM.
"""

from dataclasses import dataclass

from drafting.text.numbering import AGENDA_ITEM, SECTION
from drafting.text.snapshot import SnapshotElement

OPENING_WORDS = 8


@dataclass(frozen=True)
class Place:
    element_id: int
    kind: str
    label: str
    opening: str
    agenda_item_id: int | None
    agenda_item_label: str
    section_label: str


def opening_words(text: str, count: int = OPENING_WORDS) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when there are more."""
    words = text.split()
    if len(words) <= count:
        return " ".join(words)
    return " ".join(words[:count]) + " …"


def places(tree: list[SnapshotElement]) -> dict[int, Place]:
    """The place of every element of ``tree`` by id, in one walk."""
    found: dict[int, Place] = {}
    stack: list[tuple[SnapshotElement, int | None, str, str]] = [
        (element, None, "", "") for element in reversed(tree)
    ]
    while stack:
        element, item_id, item_label, section_label = stack.pop()
        if element["kind"] == AGENDA_ITEM:
            item_id, item_label, section_label = element["id"], element["label"], ""
        elif element["kind"] == SECTION:
            section_label = element["label"] or opening_words(element["text"], 4)
        found[element["id"]] = Place(
            element_id=element["id"],
            kind=element["kind"],
            label=element["label"],
            opening=opening_words(element["text"]),
            agenda_item_id=item_id,
            agenda_item_label=item_label,
            section_label=section_label if element["kind"] != SECTION else "",
        )
        stack.extend(
            (child, item_id, item_label, section_label) for child in reversed(element["children"])
        )
    return found
