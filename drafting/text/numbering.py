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
    depth_of = _subparagraph_depths(nodes)
    for siblings in [nodes, *(node.children for node in walk(nodes))]:
        _label_within_parent(siblings, depth_of, labels)
    _label_through_document(nodes, labels)
    return labels


# Kinds whose label never depends on position.
FIXED_LABELS = {Kind.THEME: THEME_BULLET, Kind.SUBTHEME: SUBTHEME_BULLET, Kind.PREAMBULAR: ""}


@dataclass
class _Counter:
    """Numbers a run of nodes from 1; a provisional node after a numbered one takes its
    predecessor's number and the next of "bis", "ter", ... (the count starts again after
    the next node numbered in its own right)."""

    count: int = 0
    extra: int = 0

    def advance(self, provisional: bool) -> tuple[int, str]:
        """The node's number (from 1), and its ordinal suffix ("" for none)."""
        if provisional and self.count:
            self.extra += 1
            return self.count, ordinal_suffix(self.extra)
        self.count += 1
        self.extra = 0
        return self.count, ""


def _with_suffix(mark: str, suffix: str) -> str:
    """A mark with its ordinal suffix ("2", "bis": "2 bis"); without one, the mark alone."""
    return f"{mark} {suffix}" if suffix else mark


def _label_within_parent(
    siblings: Sequence[OutlineNode], depth_of: dict[Hashable, int], labels: dict[Hashable, str]
) -> None:
    """Label the sub-paragraphs ("(a)") and numbered sections ("a)") among ``siblings``,
    each kind counted apart; unnumbered sections are left to the document-wide pass."""
    sections, subparagraphs = _Counter(), _Counter()
    for child in siblings:
        if child.kind == Kind.SUBPARAGRAPH:
            number, suffix = subparagraphs.advance(child.provisional)
            mark = subparagraph_mark(number - 1, depth_of[child.key])
            labels[child.key] = f"({_with_suffix(mark, suffix)})"
        elif child.kind == Kind.SECTION and not child.unnumbered:
            number, suffix = sections.advance(child.provisional)
            labels[child.key] = f"{_with_suffix(letter(number - 1), suffix)})"


def _label_through_document(nodes: Sequence[OutlineNode], labels: dict[Hashable, str]) -> None:
    """Label every other node in reading order: agenda items, paragraphs and chapters are
    numbered through the document, bullets follow their kind (a placeholder its parent's);
    raises ValueError for a kind the outline does not know."""
    numbered = {Kind.AGENDA_ITEM: _Counter(), Kind.PARAGRAPH: _Counter()}
    chapters = _Counter()
    stack: list[tuple[OutlineNode, Kind | None]] = [(node, None) for node in reversed(nodes)]
    while stack:
        node, parent_kind = stack.pop()
        if node.kind in FIXED_LABELS:
            labels[node.key] = FIXED_LABELS[node.kind]
        elif node.kind in numbered:
            number, suffix = numbered[node.kind].advance(node.provisional)
            labels[node.key] = f"{_with_suffix(str(number), suffix)}."
        elif node.kind == Kind.CHAPTER:
            number, _suffix = chapters.advance(provisional=False)
            labels[node.key] = f"{roman(number).upper()}."
        elif node.kind == Kind.PLACEHOLDER:
            labels[node.key] = SUBTHEME_BULLET if parent_kind == Kind.THEME else THEME_BULLET
        elif node.kind == Kind.SECTION:
            labels.setdefault(node.key, "")  # a numbered one is labelled within its parent
        elif node.kind != Kind.SUBPARAGRAPH:  # labelled within its parent
            raise ValueError(f"unknown element kind {node.kind!r}")
        stack.extend((child, node.kind) for child in reversed(node.children))


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
