"""Reads a Word file (.docx) into the paragraphs :mod:`drafting.text.importing` understands.

:func:`check_container` looks at the file before anything parses it: its size, whether it
is an old Word file (.doc) or a password-protected one (both OLE compound files, the latter
holding an ``EncryptedPackage`` stream), whether it is a zip at all, and the uncompressed
sizes its zip directory declares (a zip bomb is refused before one byte is inflated).
:func:`read_docx` then reads it with python-docx: the body's paragraphs in order, the list
format of each from Word's numbering definitions (a paragraph's own or its style's), and
its footnotes from the footnotes part, through python-docx's oxml elements.
"""

import io
import re
import zipfile
from typing import Any

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from drafting.text.importing import (
    BULLET,
    DECIMAL,
    LETTER_PAREN,
    LETTER_PARENS,
    LETTER_UPPER,
    MAX_ELEMENTS,
    ROMAN_PARENS,
    ROMAN_UPPER,
    SUB_BULLET,
    Block,
    ImportedOutline,
    ImportRefused,
    build_outline,
    typed_marker,
)

LIST_STYLE_LEVEL = re.compile(r"^List (?:Bullet|Number|Continue)? ?([2-9])$")
MAX_FILE_BYTES = 10 * 1024 * 1024
# What the zip may inflate to, in all and per member, and how much one member may grow.
MAX_UNCOMPRESSED_BYTES = 60 * 1024 * 1024
MAX_MEMBER_BYTES = 30 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2_000
# Paragraphs a body may have (blank ones and the title block included): past it, the text
# has more elements than an import may hold, and reading each would take minutes.
MAX_PARAGRAPHS = 2 * MAX_ELEMENTS
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# The stream name an encrypted (password-protected) Office file keeps its package in, as
# the compound file's directory spells it (UTF-16).
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")


def check_container(content: bytes) -> None:
    """Raises :class:`ImportRefused` unless ``content`` may be handed to python-docx.

    Codes: ``too_large`` (over :data:`MAX_FILE_BYTES`), ``encrypted`` (a password-protected
    Office file), ``doc`` (an old binary Word file), ``not_docx`` (not a zip, or a zip
    without a Word document in it), ``zip_bomb`` (declared sizes over the bounds).
    """
    if len(content) > MAX_FILE_BYTES:
        raise ImportRefused("too_large", str(MAX_FILE_BYTES))
    if content.startswith(OLE_MAGIC):
        raise ImportRefused("encrypted" if ENCRYPTED_STREAM in content else "doc")
    if not content.startswith(b"PK"):
        raise ImportRefused("not_docx")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportRefused("not_docx") from error
    if len(members) > MAX_MEMBERS:
        raise ImportRefused("zip_bomb")
    total = 0
    for member in members:
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER_BYTES or (
            member.file_size > 1_000_000 and ratio > MAX_RATIO
        ):
            raise ImportRefused("zip_bomb")
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ImportRefused("zip_bomb")
    if "word/document.xml" not in {member.filename for member in members}:
        raise ImportRefused("not_docx")


def read_docx(content: bytes) -> ImportedOutline:
    """The outline of a Word file (after :func:`check_container`, which it calls)."""
    check_container(content)
    try:
        document = docx.Document(io.BytesIO(content))
        blocks = list(_blocks(document))
    except ImportRefused:
        raise
    except Exception as error:
        raise ImportRefused("corrupt", type(error).__name__) from error
    return build_outline(blocks)


def _blocks(document: Any) -> Any:
    """The body's paragraphs in order, those of tables row by row, cell by cell.

    A file with tracked changes is refused (``tracked_changes``): python-docx reads the text
    without the insertions, and which of the two texts the secretariat means is theirs to say.
    """
    if document.element.body.xpath(".//w:ins | .//w:del | .//w:moveFrom | .//w:moveTo"):
        raise ImportRefused("tracked_changes")
    if len(document.element.body.xpath(".//w:p")) > MAX_PARAGRAPHS:
        raise ImportRefused("too_many_elements", str(MAX_ELEMENTS))
    numbering = _Numbering(document)
    footnotes = _footnotes(document)
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            yield _block(item, numbering, footnotes)
            continue
        for row in item.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    yield _block(paragraph, numbering, footnotes)


def _block(paragraph: Paragraph, numbering: "_Numbering", footnotes: dict[str, str]) -> Block:
    text = " ".join(paragraph.text.split())
    style = numbering.style_of(paragraph)
    style_name = (style.name or "") if style is not None else ""
    runs = [run for run in paragraph.runs if run.text.strip()]
    bold_style = bool(style is not None and style.font is not None and style.font.bold)
    bold = bool(runs) and all(run.bold or (run.bold is None and bold_style) for run in runs)
    italic_start = bool(runs) and bool(runs[0].italic)
    notes = [
        footnotes[note_id]
        for note_id in paragraph._p.xpath(".//w:footnoteReference/@w:id")
        if note_id in footnotes
    ]
    marker, level = numbering.marker_of(paragraph)
    if not marker:
        marker, text = typed_marker(text)
    return Block(
        text=text,
        marker=marker,
        level=level,
        heading=style_name.startswith("Heading") or bold,
        title=style_name in {"Title", "Subtitle"},
        italic_start=italic_start,
        footnotes=list(dict.fromkeys(notes)),
    )


def _footnotes(document: Any) -> dict[str, str]:
    """Footnote texts by id, from the footnotes part (none when the file has none)."""
    for relationship in document.part.rels.values():
        if relationship.reltype == RT.FOOTNOTES and not relationship.is_external:
            root = parse_xml(relationship.target_part.blob)
            notes = {}
            for note in root.iterchildren(qn("w:footnote")):
                if note.get(qn("w:type")) in {"separator", "continuationSeparator"}:
                    continue
                paragraphs = [
                    "".join(node.text or "" for node in p.iter(qn("w:t"), qn("w:tab")))
                    for p in note.iter(qn("w:p"))
                ]
                notes[note.get(qn("w:id"))] = " ".join(" ".join(paragraphs).split())
            return notes
    return {}


class _Numbering:
    """Word's list formats: (numId, level) -> the marker names of :mod:`importing`."""

    FORMATS = {
        "upperRoman": ROMAN_UPPER,
        "upperLetter": LETTER_UPPER,
        "decimal": DECIMAL,
        "bullet": BULLET,
    }

    def __init__(self, document: Any) -> None:
        self.formats: dict[tuple[str, int], tuple[str, str]] = {}
        # Each paragraph style once: python-docx reads every style of the file to find one.
        self.styles: dict[str | None, Any] = {}
        part = next(
            (rel.target_part for rel in document.part.rels.values() if rel.reltype == RT.NUMBERING),
            None,
        )
        if part is None:
            return
        root = part.element
        abstract = {
            node.get(qn("w:abstractNumId")): node for node in root.iterchildren(qn("w:abstractNum"))
        }
        for num in root.iterchildren(qn("w:num")):
            reference = num.find(qn("w:abstractNumId"))
            definition = abstract.get(reference.get(qn("w:val"))) if reference is not None else None
            if definition is None:
                continue
            for lvl in definition.iterchildren(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                self.formats[(num.get(qn("w:numId")), int(lvl.get(qn("w:ilvl"), "0")))] = (
                    fmt.get(qn("w:val"), "") if fmt is not None else "",
                    text.get(qn("w:val"), "") if text is not None else "",
                )

    def style_of(self, paragraph: Paragraph) -> Any:
        key = paragraph._p.style
        if key not in self.styles:
            self.styles[key] = paragraph.style
        return self.styles[key]

    def marker_of(self, paragraph: Paragraph) -> tuple[str, int]:
        num_id, list_level, level = _num_pr(paragraph, self.style_of(paragraph))
        if num_id is None or num_id == "0":
            return "", 0
        fmt, level_text = self.formats.get((num_id, list_level), ("", ""))
        if fmt == "bullet":
            return (SUB_BULLET if level >= 1 else BULLET), level
        if fmt in {"lowerLetter", "lowerRoman"}:
            parens = re.fullmatch(r"\(%\d\)", level_text.strip()) is not None
            if fmt == "lowerRoman":
                return ROMAN_PARENS, max(level, 1)
            return (LETTER_PARENS if parens else LETTER_PAREN), level
        return self.FORMATS.get(fmt, ""), level


def _num_pr(paragraph: Paragraph, style: Any) -> tuple[str | None, int, int]:
    """The paragraph's list (numId, level in it, depth in the outline): its own, else its
    style's (following basedOn)."""
    num_pr = paragraph._p.xpath("./w:pPr/w:numPr")
    level = 0
    if num_pr:
        ilvl = num_pr[0].xpath("./w:ilvl/@w:val")
        num_id = num_pr[0].xpath("./w:numId/@w:val")
        level = int(ilvl[0]) if ilvl else 0
        if num_id:
            return num_id[0], level, level
    # Word's "List Bullet 2", "List Number 3" are lists of their own at level 0, indented
    # further: the number in the name is the level.
    named = LIST_STYLE_LEVEL.match((style.name or "") if style is not None else "")
    seen = 0
    while style is not None and seen < 10:
        style_num = style.element.xpath("./w:pPr/w:numPr/w:numId/@w:val")
        if style_num:
            style_level = style.element.xpath("./w:pPr/w:numPr/w:ilvl/@w:val")
            level = level or (int(style_level[0]) if style_level else 0)
            return style_num[0], level, (int(named.group(1)) - 1 if named and not level else level)
        style = style.base_style
        seen += 1
    return None, 0, 0
