"""Labels derived from position: agenda item numbers, section letters, bullets, footnotes.

Nothing here is typed by hand. The outline is a tree of :class:`OutlineNode`; labels come
back keyed by node key, in reading order.
"""

from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field

from drafting.text.kinds import Kind

THEME_BULLET = "-"
SUBTHEME_BULLET = "o"


@dataclass
class OutlineNode:
    key: Hashable
    kind: Kind
    unnumbered: bool = False
    footnote_keys: Sequence[Hashable] = ()
    children: list["OutlineNode"] = field(default_factory=list)
    # Inserted since the last revision: numbered "2 bis" after its neighbour until the next
    # revision renumbers the document.
    provisional: bool = False


LATIN_ORDINALS = ("bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies")


def ordinal_suffix(count: int) -> str:
    """1 -> "bis", 2 -> "ter", ... as UN documents number insertions between revisions."""
    if count <= len(LATIN_ORDINALS):
        return LATIN_ORDINALS[count - 1]
    return f"({count + 1})"


def letter(index: int) -> str:
    """0 -> "a", 25 -> "z", 26 -> "aa", 27 -> "bb": the UN way past the alphabet."""
    if index < 0:
        raise ValueError("index must be >= 0")
    repeat, offset = divmod(index, 26)
    return chr(ord("a") + offset) * (repeat + 1)


def walk(nodes: Sequence[OutlineNode]) -> Iterator[OutlineNode]:
    """Reading order: each node, then its children, depth first (no recursion limit)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def label_tree(nodes: Sequence[OutlineNode]) -> dict[Hashable, str]:
    """Labels for every node.

    - agenda items: "1.", "2.", ... through the document;
    - sections: "a)", "b)", ... within their parent, skipping unnumbered ones
      (e.g. "The Way Forward"), which get "";
    - themes "-", sub-themes "o", placeholders the bullet of their level ("-" or "o");
    - paragraphs: "1.", "2.", ... through the document, counted apart from agenda items;
    - a provisional (newly inserted) item, section or paragraph takes its predecessor's
      number with "bis", "ter", ... until the next revision renumbers.
    """
    labels: dict[Hashable, str] = {}
    sibling_lists = [nodes, *(node.children for node in walk(nodes))]
    for siblings in sibling_lists:
        lettered = 0
        extra = 0
        for child in siblings:
            if child.kind == Kind.SECTION and not child.unnumbered:
                if child.provisional and lettered:
                    extra += 1
                    labels[child.key] = f"{letter(lettered - 1)} {ordinal_suffix(extra)})"
                else:
                    labels[child.key] = f"{letter(lettered)})"
                    lettered += 1
                    extra = 0

    agenda_count = 0
    paragraph_count = 0
    agenda_extra = 0
    paragraph_extra = 0
    stack: list[tuple[OutlineNode, Kind | None]] = [(node, None) for node in reversed(nodes)]
    while stack:
        node, parent_kind = stack.pop()
        if node.kind == Kind.AGENDA_ITEM:
            if node.provisional and agenda_count:
                agenda_extra += 1
                labels[node.key] = f"{agenda_count} {ordinal_suffix(agenda_extra)}."
            else:
                agenda_count += 1
                agenda_extra = 0
                labels[node.key] = f"{agenda_count}."
        elif node.kind == Kind.SECTION:
            labels.setdefault(node.key, "")
        elif node.kind == Kind.THEME:
            labels[node.key] = THEME_BULLET
        elif node.kind == Kind.SUBTHEME:
            labels[node.key] = SUBTHEME_BULLET
        elif node.kind == Kind.PLACEHOLDER:
            labels[node.key] = SUBTHEME_BULLET if parent_kind == Kind.THEME else THEME_BULLET
        elif node.kind == Kind.PARAGRAPH:
            if node.provisional and paragraph_count:
                paragraph_extra += 1
                labels[node.key] = f"{paragraph_count} {ordinal_suffix(paragraph_extra)}."
            else:
                paragraph_count += 1
                paragraph_extra = 0
                labels[node.key] = f"{paragraph_count}."
        else:
            raise ValueError(f"unknown element kind {node.kind!r}")
        stack.extend((child, node.kind) for child in reversed(node.children))
    return labels


def footnote_numbers(nodes: Sequence[OutlineNode]) -> dict[Hashable, int]:
    """Footnotes numbered 1, 2, ... through the document in reading order."""
    numbers: dict[Hashable, int] = {}
    for node in walk(nodes):
        for footnote_key in node.footnote_keys:
            numbers[footnote_key] = len(numbers) + 1
    return numbers
