"""From the paragraphs of a zero draft (a Word file's or pasted text's) to an outline.

A reader (``docx_reader.read_docx``, :func:`read_plain_text`) turns its source into a list
of :class:`Block`: one paragraph each, with the marker that begins it ("1.", "a)", "(i)",
"-", ...) either typed in the text or given by Word's numbering, and what its formatting says
(a heading, bold throughout, an italic first word). :func:`build_outline` then makes the
forest of :class:`OutlineElement` the rest of the product knows, with the title block apart.

Kinds come from markers:

- "I." (upper roman) a chapter; "A." or "a)" a lettered section; a heading or a paragraph
  bold throughout, without a marker, an unnumbered section ("The Way Forward");
- "1." an agenda item in an agenda-style draft (one with lettered sections "a)" or bullets),
  an operative paragraph (``paragraph``) in a resolution-style draft (one with "PP"/"OP"
  markers, sub-paragraphs "(a)" or preambular paragraphs); "OP1" always a paragraph;
- "PP1", or a paragraph before the first operative one whose first word is italic or which
  ends with a comma (the UN's preambular style), a preambular paragraph;
- "(a)" a sub-paragraph; "(i)" a sub-paragraph of one;
- "-", "•" (or Word's bullets) a theme; "o", "◦" (or a bullet one level in) a sub-theme; an
  empty bullet a placeholder;
- "Alt 1", "Alt 2" lines: an element of the same kind, beside the one they follow; the
  text keeps its "Alt 2:" so readers see it is an alternative.

Bold and italic are read as signals only (a heading; a preambular paragraph's first word) and
are not kept in the text, which the product stores plain: brackets are its only mark-up.
Square brackets, nested or not, stay in the text as typed.
"""

import re
from dataclasses import dataclass, field

from drafting.text import brackets, validation
from drafting.text.kinds import Kind
from drafting.text.outline import OutlineElement, OutlineError, parse_outline

# Bounds on what one import may hold, checked while reading.
MAX_ELEMENTS = 3_000
# What an element may hold when saved: what a delegate may propose. A longer paragraph is
# kept in the preview, marked, for the secretariat to split; past HARD_MAX_TEXT the source is
# refused outright.
MAX_ELEMENT_TEXT = validation.MAX_ELEMENT_TEXT
MAX_FOOTNOTE_TEXT = 5_000
HARD_MAX_TEXT = 50_000
MAX_DEPTH = 8


class ImportRefused(ValueError):
    """The source cannot be imported. ``code`` says why, for a message in the user's language:
    ``too_large``, ``not_docx``, ``doc``, ``encrypted``, ``zip_bomb``, ``corrupt``,
    ``tracked_changes``, ``too_many_elements``, ``too_long_element``, ``too_deep``,
    ``empty``, ``outline`` (with the outline's own message)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


# Markers: what begins a paragraph. Word's numbering gives the same names.
ROMAN_UPPER = "roman_upper"  # I.
LETTER_UPPER = "letter_upper"  # A.
DECIMAL = "decimal"  # 1.
LETTER_PAREN = "letter_paren"  # a)
LETTER_PARENS = "letter_parens"  # (a)
ROMAN_PARENS = "roman_parens"  # (i)
BULLET = "bullet"  # - or •
SUB_BULLET = "sub_bullet"  # o or ◦
PP = "pp"  # PP1
OP = "op"  # OP1


@dataclass
class Block:
    """One paragraph of the source.

    ``marker`` is one of the marker names above or "" (none); ``level`` Word's list level
    (0 first). ``heading`` when the paragraph is a heading style or bold throughout;
    ``title`` when its style is Word's Title; ``italic_start`` when its first word is italic.
    """

    text: str
    marker: str = ""
    level: int = 0
    heading: bool = False
    title: bool = False
    italic_start: bool = False
    footnotes: list[str] = field(default_factory=list)


@dataclass
class ImportedOutline:
    """What an import found: the document's title and preamble, and its elements."""

    title: str
    preamble: str
    elements: list[OutlineElement]
    # Elements whose brackets do not balance: (number in reading order, from 1, the
    # bracket error's code "unopened"/"unclosed", the text around it).
    warnings: list[tuple[int, str, str]] = field(default_factory=list)


ALT_LINE = re.compile(r"^alt(?:ernative)?\.?\s*\d+\b", re.IGNORECASE)
RULE_LINE = re.compile(r"^[_\-=*]{5,}$")
TYPED_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (PP, re.compile(r"^PP\s*\d+(?:\s*(?:bis|ter|quater))?[.:)]?\s+", re.IGNORECASE)),
    (OP, re.compile(r"^OP\s*\d+(?:\s*(?:bis|ter|quater))?[.:)]?\s+", re.IGNORECASE)),
    (ROMAN_PARENS, re.compile(r"^\((?:i{1,3}|iv|vi{0,3}|ix|xi{0,3}|xiv|xvi{0,3})\)\s*")),
    (LETTER_PARENS, re.compile(r"^\([a-z]{1,2}\)\s*")),
    (LETTER_PAREN, re.compile(r"^[a-z]{1,2}\)\s*")),
    (ROMAN_UPPER, re.compile(r"^(?:I{1,3}|IV|VI{0,3}|IX|XI{0,3}|XIV|XVI{0,3}|XX?)\.\s+")),
    (LETTER_UPPER, re.compile(r"^[A-Z]\.\s+")),
    (DECIMAL, re.compile(r"^\d{1,3}\.(?:\s+|(?=\[))")),
    (SUB_BULLET, re.compile(r"^[o◦○▫](?:\s+|$)")),
    (BULLET, re.compile(r"^[-–•●▪·*](?:\s+|$)")),
)


def typed_marker(text: str) -> tuple[str, str]:
    """The marker typed at the start of a paragraph's text, and the text after it.

    ``("", text)`` when there is none. "(i)" is read as roman: a sub-paragraph "(i)" after
    "(h)" is rare, and the secretariat can correct the kind in the preview.
    """
    for marker, pattern in TYPED_MARKERS:
        match = pattern.match(text)
        if match:
            return marker, text[match.end() :].strip()
    return "", text


def read_plain_text(source: str) -> list[Block]:
    """Pasted text: one paragraph a line; markers typed in the text; indentation ignored."""
    blocks = []
    for line in source.splitlines():
        text = " ".join(line.split())
        if not text:
            continue
        marker, rest = typed_marker(text)
        blocks.append(Block(text=rest, marker=marker))
    return blocks


OUTLINE_LINE = re.compile(r"^\s*(?:[a-z_]+~?|footnote):(?:\s|$)")


def looks_like_outline(source: str) -> bool:
    """True when every line is blank, a comment or ``kind: text`` (the project's format)."""
    lines = [line for line in source.splitlines() if line.strip()]
    lines = [line for line in lines if not line.lstrip().startswith("#")]
    if not lines:
        return False
    for line in lines:
        if not OUTLINE_LINE.match(line):
            return False
        kind = line.strip().partition(":")[0].rstrip("~")
        if kind != "footnote" and kind not in tuple(Kind):
            return False
    return True


def read_text(source: str) -> ImportedOutline:
    """Pasted text or the project's outline format (told apart by :func:`looks_like_outline`)."""
    if looks_like_outline(source):
        try:
            elements = parse_outline(source)
        except OutlineError as error:
            raise ImportRefused("outline", str(error)) from error
        return _checked(ImportedOutline(title="", preamble="", elements=elements))
    return build_outline(read_plain_text(source))


# How far down the tree each kind sits: a new element goes under the nearest open one of a
# smaller rank. Sub-paragraphs and bullets sit one rank deeper per level.
RANK = {
    Kind.CHAPTER: 1,
    Kind.AGENDA_ITEM: 2,
    Kind.SECTION: 3,
    Kind.PREAMBULAR: 4,
    Kind.PARAGRAPH: 4,
    Kind.THEME: 4,
    Kind.SUBTHEME: 5,
}
SUBPARAGRAPH_RANK = 5


def _resolution_style(blocks: list[Block]) -> bool:
    """A resolution (PP/OP, "(a)" sub-paragraphs) rather than an agenda (items, "a)", bullets)."""
    resolution = sum(b.marker in {PP, OP, LETTER_PARENS, ROMAN_PARENS} for b in blocks)
    agenda = sum(b.marker in {LETTER_PAREN, BULLET, SUB_BULLET} for b in blocks)
    return resolution >= agenda


def build_outline(blocks: list[Block]) -> ImportedOutline:
    """The outline of a list of paragraphs (see the module's docstring for the rules).

    The title block is what comes before the first paragraph with a marker (or, in a
    resolution, the first preambular one); rule lines ("_____") are left out anywhere. Its
    title is what has Word's Title style, else its last heading ("BMS7 Outcome Document –
    Zero Draft" under the meeting's name), else its first line; the rest is the preamble.
    Raises :class:`ImportRefused` ("empty", "too_many_elements") when there is nothing to
    import or too much.
    """
    resolution = _resolution_style(blocks)
    title_block: list[Block] = []
    roots: list[OutlineElement] = []
    # Open elements with their ranks, outermost first.
    stack: list[tuple[int, OutlineElement]] = []
    count = 0
    in_title_block = True
    seen_operative = False
    previous: tuple[int, OutlineElement] | None = None

    for block in blocks:
        text = _plain(block.text)
        if len(text) > HARD_MAX_TEXT:
            raise ImportRefused("too_long_element", str(HARD_MAX_TEXT))
        if RULE_LINE.match(text):
            continue
        if in_title_block and not block.marker and not _is_preambular(block, resolution):
            if text:
                title_block.append(Block(text=text, heading=block.heading, title=block.title))
            continue
        in_title_block = False
        if ALT_LINE.match(text) and previous is not None:
            rank, kind = previous[0], previous[1].kind
        else:
            kind, rank = _kind_and_rank(block, resolution=resolution, after_op=seen_operative)
        if kind == Kind.PLACEHOLDER:
            text = ""
        elif not text:
            continue
        seen_operative = seen_operative or kind == Kind.PARAGRAPH
        element = OutlineElement(
            kind=kind,
            text=text,
            unnumbered=kind == Kind.SECTION and not block.marker,
            footnotes=[_plain(note)[:HARD_MAX_TEXT] for note in block.footnotes if note.strip()],
        )
        while stack and stack[-1][0] >= rank:
            stack.pop()
        if len(stack) >= MAX_DEPTH:
            raise ImportRefused("too_deep")
        (stack[-1][1].children if stack else roots).append(element)
        if kind != Kind.PLACEHOLDER:
            stack.append((rank, element))
        previous = (rank, element)
        count += 1
        if count > MAX_ELEMENTS:
            raise ImportRefused("too_many_elements", str(MAX_ELEMENTS))

    if not roots and len(title_block) > 1:
        # No numbers, bullets or preambular paragraphs anywhere: the first line is the title
        # and every other one a paragraph (a heading an unnumbered section), for the
        # secretariat to sort out in the preview rather than an empty outline.
        title_block, rest = title_block[:1], title_block[1:]
        roots = [
            OutlineElement(kind=Kind.SECTION, text=block.text, unnumbered=True)
            if block.heading
            else OutlineElement(kind=Kind.PARAGRAPH, text=block.text)
            for block in rest
        ]
    title, preamble = _title_and_preamble(title_block)
    return _checked(ImportedOutline(title=title, preamble=preamble, elements=roots))


def _title_and_preamble(title_block: list[Block]) -> tuple[str, str]:
    titles = [block for block in title_block if block.title]
    if not titles:
        headings = [block for block in title_block if block.heading]
        titles = headings[-1:] or title_block[:1]
    title = " ".join(block.text for block in titles)
    preamble = "\n".join(
        block.text for block in title_block if not any(block is title for title in titles)
    )
    return title[:HARD_MAX_TEXT], preamble[:HARD_MAX_TEXT]


def _plain(text: str) -> str:
    """The text without control characters and bidi overrides (which a delegate may not type
    either: :mod:`drafting.text.validation`), its runs of white space folded to one space."""
    kept = [
        char for char in text if validation.forbidden_character(char, allow_newlines=False) is None
    ]
    return " ".join("".join(kept).split())


def _is_preambular(block: Block, resolution: bool) -> bool:
    text = block.text.strip()
    return resolution and bool(text) and (block.italic_start or text.endswith(","))


def _kind_and_rank(block: Block, *, resolution: bool, after_op: bool) -> tuple[Kind, int]:
    marker = block.marker
    if marker == ROMAN_UPPER:
        return Kind.CHAPTER, RANK[Kind.CHAPTER]
    if marker in {LETTER_UPPER, LETTER_PAREN}:
        return Kind.SECTION, RANK[Kind.SECTION]
    if marker == PP:
        return Kind.PREAMBULAR, RANK[Kind.PREAMBULAR]
    if marker == OP or (marker == DECIMAL and resolution):
        return Kind.PARAGRAPH, RANK[Kind.PARAGRAPH]
    if marker == DECIMAL:
        return Kind.AGENDA_ITEM, RANK[Kind.AGENDA_ITEM]
    if marker == LETTER_PARENS:
        return Kind.SUBPARAGRAPH, SUBPARAGRAPH_RANK + min(block.level, 2)
    if marker == ROMAN_PARENS:
        return Kind.SUBPARAGRAPH, SUBPARAGRAPH_RANK + max(1, min(block.level, 2))
    if marker in {BULLET, SUB_BULLET}:
        sub = marker == SUB_BULLET or block.level >= 1
        if not block.text.strip():
            return Kind.PLACEHOLDER, RANK[Kind.SUBTHEME] if sub else RANK[Kind.THEME]
        return (Kind.SUBTHEME, RANK[Kind.SUBTHEME]) if sub else (Kind.THEME, RANK[Kind.THEME])
    if block.heading:
        return Kind.SECTION, RANK[Kind.SECTION]
    if not after_op and _is_preambular(block, resolution):
        return Kind.PREAMBULAR, RANK[Kind.PREAMBULAR]
    return Kind.PARAGRAPH, RANK[Kind.PARAGRAPH]


def _checked(outline: ImportedOutline) -> ImportedOutline:
    """Refuses an empty outline; notes elements whose brackets do not balance."""
    if not outline.elements:
        raise ImportRefused("empty")
    number = 0
    stack = list(reversed(outline.elements))
    while stack:
        element = stack.pop()
        number += 1
        if number > MAX_ELEMENTS:
            raise ImportRefused("too_many_elements", str(MAX_ELEMENTS))
        error = brackets.validate(element.text)
        if error is not None:
            outline.warnings.append((number, error.code, error.context))
        stack.extend(reversed(element.children))
    return outline


# The outline as the import's preview keeps it between steps: a flat list of rows in reading
# order, each with its depth, which the secretariat corrects row by row.


@dataclass
class ImportRow:
    kind: str
    text: str
    level: int
    unnumbered: bool = False
    footnotes: list[str] = field(default_factory=list)


def flatten(elements: list[OutlineElement]) -> list[ImportRow]:
    """The rows of an outline, in reading order, with their depth (0 at the top)."""
    rows: list[ImportRow] = []
    stack = [(element, 0) for element in reversed(elements)]
    while stack:
        element, level = stack.pop()
        rows.append(
            ImportRow(
                kind=element.kind,
                text=element.text,
                level=level,
                unnumbered=element.unnumbered,
                footnotes=list(element.footnotes),
            )
        )
        stack.extend((child, level + 1) for child in reversed(element.children))
    return rows


class RowProblem(ValueError):
    """Rows that do not make an outline: ``row`` (from 0) and ``code``: ``level_jump`` (more
    than one level below the row above, or not at the top first), ``under_placeholder`` (an
    empty bullet has no children), ``placeholder_text`` (an empty bullet has no text),
    ``no_text`` (any other element needs text), ``kind`` (not a kind), ``too_long`` (text
    over :data:`MAX_ELEMENT_TEXT` or a footnote over :data:`MAX_FOOTNOTE_TEXT`),
    ``too_many`` (more than :data:`MAX_ELEMENTS` rows), ``characters`` (a control character
    or a bidi override, which no text may hold)."""

    def __init__(self, row: int, code: str) -> None:
        super().__init__(f"row {row}: {code}")
        self.row = row
        self.code = code


def nest(rows: list[ImportRow]) -> list[OutlineElement]:
    """The outline of the rows; raises :class:`RowProblem` at the first row that is wrong."""
    if len(rows) > MAX_ELEMENTS:
        raise RowProblem(MAX_ELEMENTS, "too_many")
    roots: list[OutlineElement] = []
    stack: list[OutlineElement] = []
    for number, row in enumerate(rows):
        if row.kind not in tuple(Kind):
            raise RowProblem(number, "kind")
        if row.level < 0 or row.level > len(stack) or row.level >= MAX_DEPTH:
            raise RowProblem(number, "level_jump")
        if row.kind == Kind.PLACEHOLDER and row.text.strip():
            raise RowProblem(number, "placeholder_text")
        if row.kind != Kind.PLACEHOLDER and not row.text.strip():
            raise RowProblem(number, "no_text")
        if len(row.text) > MAX_ELEMENT_TEXT or any(
            len(n) > MAX_FOOTNOTE_TEXT for n in row.footnotes
        ):
            raise RowProblem(number, "too_long")
        if any(
            validation.forbidden_character(text, allow_newlines=False) is not None
            for text in (row.text, *row.footnotes)
        ):
            raise RowProblem(number, "characters")
        del stack[row.level :]
        if stack and stack[-1].kind == Kind.PLACEHOLDER:
            raise RowProblem(number, "under_placeholder")
        element = OutlineElement(
            kind=Kind(row.kind),
            text=row.text.strip(),
            unnumbered=row.unnumbered and row.kind == Kind.SECTION,
            footnotes=list(row.footnotes),
        )
        (stack[-1].children if stack else roots).append(element)
        stack.append(element)
    return roots


def merge_rows(rows: list[ImportRow], index: int) -> list[ImportRow]:
    """Row ``index`` with the next one joined onto it (texts by a space, footnotes kept);
    the rows under the next one move up a level only if they were deeper than it was."""
    if not 0 <= index < len(rows) - 1:
        raise RowProblem(index, "no_next")
    first, second = rows[index], rows[index + 1]
    joined = ImportRow(
        kind=first.kind,
        text=" ".join(part for part in (first.text.strip(), second.text.strip()) if part),
        level=first.level,
        unnumbered=first.unnumbered,
        footnotes=[*first.footnotes, *second.footnotes],
    )
    if len(joined.text) > MAX_ELEMENT_TEXT:
        raise RowProblem(index, "too_long")
    return [*rows[:index], joined, *rows[index + 2 :]]


def split_row(rows: list[ImportRow], index: int, parts: list[str]) -> list[ImportRow]:
    """Row ``index`` split into one row per non-empty part, of its kind and level; the
    footnotes stay with the first part."""
    if not 0 <= index < len(rows):
        raise RowProblem(index, "no_row")
    parts = [" ".join(part.split()) for part in parts]
    parts = [part for part in parts if part]
    if len(parts) < 2:
        raise RowProblem(index, "one_part")
    if len(rows) + len(parts) - 1 > MAX_ELEMENTS:
        raise RowProblem(index, "too_many")
    row = rows[index]
    pieces = [
        ImportRow(
            kind=row.kind,
            text=part,
            level=row.level,
            unnumbered=row.unnumbered,
            footnotes=list(row.footnotes) if number == 0 else [],
        )
        for number, part in enumerate(parts)
    ]
    return [*rows[:index], *pieces, *rows[index + 1 :]]


def count_kinds(rows: list[ImportRow]) -> dict[str, int]:
    """How many rows of each kind, in the order of :class:`Kind` (kinds present only)."""
    counts: dict[str, int] = {str(kind): 0 for kind in Kind}
    for row in rows:
        counts[row.kind] = counts.get(row.kind, 0) + 1
    return {kind: count for kind, count in counts.items() if count}
