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


ROMAN_NUMERALS = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def roman(number: int) -> str:
    """1 -> "i", 4 -> "iv", 14 -> "xiv" (lower case; callers upper-case chapter numbers)."""
    if number < 1:
        raise ValueError("number must be >= 1")
    digits = []
    for value, numeral in ROMAN_NUMERALS:
        count, number = divmod(number, value)
        digits.append(numeral * count)
    return "".join(digits)


def subparagraph_mark(index: int, depth: int) -> str:
    """The mark of the index-th sub-paragraph (from 0) at a depth (0: "a", 1: "i", 2+: "A")."""
    if depth == 0:
        return letter(index)
    if depth == 1:
        return roman(index + 1)
    return letter(index).upper()


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
    - paragraphs (operative): "1.", "2.", ... through the document, counted apart from
      agenda items; preambular paragraphs are unnumbered ("");
    - chapters: "I.", "II.", ... through the document;
    - sub-paragraphs: "(a)", "(b)", ... within their parent; "(i)", "(ii)" when the parent is
      itself a sub-paragraph, "(A)" one level further down;
    - a provisional (newly inserted) item, section or paragraph takes its predecessor's
      number with "bis", "ter", ... until the next revision renumbers.
    """
    labels: dict[Hashable, str] = {}
    sibling_lists = [nodes, *(node.children for node in walk(nodes))]
    depth_of = _subparagraph_depths(nodes)
    for siblings in sibling_lists:
        lettered = 0
        extra = 0
        marked = 0
        marked_extra = 0
        for child in siblings:
            if child.kind == Kind.SUBPARAGRAPH:
                depth = depth_of[child.key]
                if child.provisional and marked:
                    marked_extra += 1
                    mark = subparagraph_mark(marked - 1, depth)
                    labels[child.key] = f"({mark} {ordinal_suffix(marked_extra)})"
                else:
                    labels[child.key] = f"({subparagraph_mark(marked, depth)})"
                    marked += 1
                    marked_extra = 0
            if child.kind == Kind.SECTION and not child.unnumbered:
                if child.provisional and lettered:
                    extra += 1
                    labels[child.key] = f"{letter(lettered - 1)} {ordinal_suffix(extra)})"
                else:
                    labels[child.key] = f"{letter(lettered)})"
                    lettered += 1
                    extra = 0

    agenda_count = 0
    chapter_count = 0
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
        elif node.kind == Kind.CHAPTER:
            chapter_count += 1
            labels[node.key] = f"{roman(chapter_count).upper()}."
        elif node.kind == Kind.PREAMBULAR:
            labels[node.key] = ""
        elif node.kind == Kind.SUBPARAGRAPH:
            pass  # labelled above, within its siblings
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


def _subparagraph_depths(nodes: Sequence[OutlineNode]) -> dict[Hashable, int]:
    """For each sub-paragraph, how many sub-paragraphs it sits under (0 for an "(a)")."""
    depths: dict[Hashable, int] = {}
    stack: list[tuple[OutlineNode, int]] = [(node, 0) for node in nodes]
    while stack:
        node, depth = stack.pop()
        if node.kind == Kind.SUBPARAGRAPH:
            depths[node.key] = depth
            depth += 1
        stack.extend((child, depth) for child in node.children)
    return depths


def footnote_numbers(nodes: Sequence[OutlineNode]) -> dict[Hashable, int]:
    """Footnotes numbered 1, 2, ... through the document in reading order."""
    numbers: dict[Hashable, int] = {}
    for node in walk(nodes):
        for footnote_key in node.footnote_keys:
            numbers[footnote_key] = len(numbers) + 1
    return numbers
