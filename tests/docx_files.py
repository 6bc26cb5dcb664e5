"""Word files for the import's tests, written with python-docx: real list numbering (numPr
pointing at numbering definitions of each format) and real footnotes (a footnotes part with
footnote references in the runs), as Word writes them."""

import io
import subprocess
from collections.abc import Iterable
from pathlib import Path

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import XmlPart
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from drafting.text.outline import OutlineElement

# (numFmt, lvlText) per list level, one list definition each.
LISTS = {
    "roman": [("upperRoman", "%1.")],
    "decimal": [("decimal", "%1.")],
    "letter": [("lowerLetter", "%1)")],
    "subparagraph": [("lowerLetter", "(%1)"), ("lowerRoman", "(%2)")],
    "bullet": [("bullet", "-"), ("bullet", "o")],
}

FOOTNOTES_XML = (
    f"<w:footnotes {nsdecls('w')}>"
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:footnote></w:footnotes>"
)


class WordFile:
    """A python-docx document with the lists above and a footnotes part."""

    def __init__(self) -> None:
        self.document = docx.Document()
        self.num_ids: dict[str, int] = {}
        numbering = self.document.part.numbering_part.element
        for abstract_id, (name, levels) in enumerate(LISTS.items(), start=100):
            lvls = "".join(
                f'<w:lvl w:ilvl="{level}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
                f'<w:lvlText w:val="{text}"/></w:lvl>'
                for level, (fmt, text) in enumerate(levels)
            )
            numbering.insert(
                0,
                parse_xml(
                    f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abstract_id}">{lvls}'
                    "</w:abstractNum>"
                ),
            )
            self.num_ids[name] = numbering.add_num(abstract_id).numId
        self.footnotes = parse_xml(FOOTNOTES_XML)
        part = XmlPart(
            PackURI("/word/footnotes.xml"),
            CT.WML_FOOTNOTES,
            self.footnotes,
            self.document.part.package,
        )
        self.document.part.relate_to(part, RT.FOOTNOTES)
        self.next_footnote = 1

    def paragraph(
        self,
        text: str,
        *,
        numbered: str | None = None,
        level: int = 0,
        style: str | None = None,
        bold: bool = False,
        italic_words: int = 0,
        footnotes: Iterable[str] = (),
    ) -> None:
        paragraph = self.document.add_paragraph(style=style)
        if italic_words:
            first, _, rest = text.partition(" ")
            paragraph.add_run(first).italic = True
            paragraph.add_run(" " + rest)
        elif text:
            paragraph.add_run(text).bold = bold or None
        if numbered:
            p_pr = paragraph._p.get_or_add_pPr()
            p_pr.append(
                parse_xml(
                    f'<w:numPr {nsdecls("w")}><w:ilvl w:val="{level}"/>'
                    f'<w:numId w:val="{self.num_ids[numbered]}"/></w:numPr>'
                )
            )
        for note in footnotes:
            self._footnote(paragraph, note)

    def _footnote(self, paragraph: docx.text.paragraph.Paragraph, text: str) -> None:
        note_id = self.next_footnote
        self.next_footnote += 1
        run = paragraph.add_run()
        run._r.append(parse_xml(f'<w:footnoteReference {nsdecls("w")} w:id="{note_id}"/>'))
        run.font.superscript = True
        self.footnotes.append(
            parse_xml(
                f'<w:footnote {nsdecls("w")} w:id="{note_id}"><w:p><w:r><w:footnoteRef/></w:r>'
                f'<w:r><w:t xml:space="preserve"> </w:t></w:r></w:p></w:footnote>'
            )
        )
        self.footnotes[-1].findall(f".//{qn('w:t')}")[0].text = " " + text

    def bytes(self) -> bytes:
        out = io.BytesIO()
        self.document.save(out)
        return out.getvalue()


def outline_to_docx(elements: list[OutlineElement], *, title: str, preamble: str) -> bytes:
    """A Word file of an outline as a secretariat would type it: numbered agenda items,
    lettered sections, bullets, bold headings for unnumbered sections, real footnotes."""
    word = WordFile()
    word.paragraph(title, style="Title")
    for line in preamble.splitlines():
        word.paragraph(line)
    word.paragraph("_" * 40)
    lists = {
        "agenda_item": ("decimal", 0),
        "section": ("letter", 0),
        "theme": ("bullet", 0),
        "subtheme": ("bullet", 1),
        "chapter": ("roman", 0),
        "paragraph": ("decimal", 0),
    }
    stack = [(element, None) for element in reversed(elements)]
    while stack:
        element, parent_kind = stack.pop()
        if element.kind == "section" and element.unnumbered:
            word.paragraph(element.text, bold=True, footnotes=element.footnotes)
        elif element.kind == "placeholder":
            word.paragraph("", numbered="bullet", level=1 if parent_kind == "theme" else 0)
        elif element.kind == "preambular":
            word.paragraph(element.text, italic_words=1, footnotes=element.footnotes)
        elif element.kind == "subparagraph":
            level = 1 if parent_kind == "subparagraph" else 0
            word.paragraph(
                element.text, numbered="subparagraph", level=level, footnotes=element.footnotes
            )
        else:
            numbered, level = lists[element.kind]
            word.paragraph(
                element.text, numbered=numbered, level=level, footnotes=element.footnotes
            )
        stack.extend((child, element.kind) for child in reversed(element.children))
    return word.bytes()


def saved_by_libreoffice(content: bytes, directory: Path, suffix: str = "docx") -> bytes:
    """The file after LibreOffice opened it and saved it again as .docx."""
    source = directory / f"source.{suffix}"
    source.write_bytes(content)
    out = directory / "out"
    subprocess.run(  # noqa: S603 - a fixed command on a file the test wrote
        [  # noqa: S607
            "soffice",
            f"-env:UserInstallation=file://{directory}/profile",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    return (out / "source.docx").read_bytes()
