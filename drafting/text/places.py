"""Where an element sits in its document, in words a reader knows: its agenda item, its
section, its own label and its opening words ("Agenda item 2, section B, - States
should..."). Plain Python over a snapshot tree, no ORM.
"""

from dataclasses import dataclass

from drafting.text.kinds import Kind
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
    chapter_label: str = ""
    # The numbered paragraph a sub-paragraph belongs to ("3." for "3. (a)").
    paragraph_label: str = ""


def opening_words(text: str, count: int = OPENING_WORDS) -> str:
    """The first ``count`` words of ``text``, with an ellipsis when there are more."""
    words = text.split()
    if len(words) <= count:
        return " ".join(words)
    return " ".join(words[:count]) + " …"


def places(tree: list[SnapshotElement]) -> dict[int, Place]:
    """The place of every element of ``tree`` by id, in one walk."""
    found: dict[int, Place] = {}
    # element, agenda item (id, label), section, chapter, paragraph labels above it
    stack: list[tuple[SnapshotElement, int | None, str, str, str, str]] = [
        (element, None, "", "", "", "") for element in reversed(tree)
    ]
    while stack:
        element, item_id, item_label, section_label, chapter_label, paragraph_label = stack.pop()
        kind = element["kind"]
        if kind == Kind.AGENDA_ITEM:
            item_id, item_label, section_label = element["id"], element["label"], ""
        elif kind == Kind.CHAPTER:
            chapter_label, section_label, paragraph_label = element["label"], "", ""
        found[element["id"]] = Place(
            element_id=element["id"],
            kind=kind,
            label=element["label"],
            opening=opening_words(element["text"]),
            agenda_item_id=item_id,
            agenda_item_label=item_label,
            section_label=section_label if kind != Kind.SECTION else "",
            chapter_label=chapter_label if kind != Kind.CHAPTER else "",
            paragraph_label=paragraph_label,
        )
        if kind == Kind.SECTION:
            section_label = element["label"] or opening_words(element["text"], 4)
        elif kind == Kind.PARAGRAPH:
            paragraph_label = element["label"]
        stack.extend(
            (child, item_id, item_label, section_label, chapter_label, paragraph_label)
            for child in reversed(element["children"])
        )
    return found
