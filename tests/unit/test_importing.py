"""The zero draft's import: Word files, pasted text and the outline format into an outline."""

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from msoffcrypto.format.ooxml import OOXMLFile

from drafting.text import docx_reader, validation
from drafting.text.docx_reader import check_container, read_docx
from drafting.text.importing import (
    ImportRefused,
    RowProblem,
    flatten,
    merge_rows,
    nest,
    read_text,
    split_row,
)
from drafting.text.numbering import OutlineNode, label_tree
from drafting.text.outline import OutlineElement, parse_outline
from tests.docx_files import WordFile, outline_to_docx, saved_by_libreoffice

SOURCE = Path(__file__).resolve().parents[2] / "fixtures" / "source"


def bms7_annex() -> list[OutlineElement]:
    return parse_outline((SOURCE / "bms7_annex.outline").read_text(encoding="utf-8"))


def bms7_docx() -> bytes:
    spec = json.loads((SOURCE / "bms7_meeting.json").read_text(encoding="utf-8"))
    return outline_to_docx(bms7_annex(), **spec["document"])


def shape(elements: list[OutlineElement]) -> list[tuple]:
    """(kind, unnumbered, text, footnotes, children) all the way down, for comparing."""
    return [(e.kind, e.unnumbered, e.text, e.footnotes, shape(e.children)) for e in elements]


def test_bms7_zero_draft_imports_from_word_with_the_fixtures_outline():
    """A Word file of the BMS7 zero draft (numbered agenda items, lettered sections, bullets,
    empty bullets, real footnotes) gives back the fixture's outline, title and preamble."""
    imported = read_docx(bms7_docx())
    assert imported.title == "BMS7 Outcome Document"
    assert imported.preamble.startswith("The below is without prejudice")
    assert shape(imported.elements) == shape(bms7_annex())
    assert sum(len(e.footnotes) for e in imported.elements) == 5


def test_the_word_file_uses_real_numbering_and_footnotes():
    """The test file is what Word writes: numPr on paragraphs, no typed "1." or "a)", and
    footnotes in a footnotes part, not in the text."""
    content = bms7_docx()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        body = archive.read("word/document.xml").decode()
        notes = archive.read("word/footnotes.xml").decode()
    assert "<w:numPr>" in body
    assert "w:footnoteReference" in body
    assert "Based on the chair’s proposals" in notes
    assert ">1. [" not in body and ">a) " not in body


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by .ci/run")
def test_bms7_zero_draft_saved_by_libreoffice_imports_the_same(tmp_path):
    """LibreOffice rewrites numbering and footnotes its own way; the outline is unchanged."""
    content = saved_by_libreoffice(bms7_docx(), tmp_path)
    assert content != bms7_docx()
    imported = read_docx(content)
    assert imported.title == "BMS7 Outcome Document"
    assert shape(imported.elements) == shape(bms7_annex())


def resolution_docx() -> bytes:
    word = WordFile()
    word.paragraph("Draft outcome document", style="Title")
    word.paragraph("Without prejudice")
    word.paragraph("Introduction", numbered="roman", footnotes=["On the chapter."])
    word.paragraph("Recalling its resolution 75/241,", italic_words=1)
    word.paragraph(
        "Reaffirming [the [importance] of] cooperation,", italic_words=1, footnotes=["PP note."]
    )
    word.paragraph("Decides to convene a meeting;", numbered="decimal")
    word.paragraph("Alt 1: Decides to convene two meetings;")
    word.paragraph("Requests the Secretary-General:", numbered="decimal")
    word.paragraph("to report;", numbered="subparagraph", level=0)
    word.paragraph("in writing;", numbered="subparagraph", level=1)
    word.paragraph("in time;", numbered="subparagraph", level=1)
    word.paragraph("to assist;", numbered="subparagraph", level=0)
    word.paragraph("Follow-up", style="Heading 1")
    word.paragraph("Invites States to [act]", numbered="decimal")
    return word.bytes()


def test_a_resolution_style_word_file():
    """Chapters (upper roman), preambular paragraphs (italic first word), operative
    paragraphs (decimal), sub-paragraphs (a) and (i), an Alt line, a heading, nested
    brackets and footnotes."""
    imported = read_docx(resolution_docx())
    assert imported.title == "Draft outcome document"
    assert imported.preamble == "Without prejudice"
    assert shape(imported.elements) == [
        (
            "chapter",
            False,
            "Introduction",
            ["On the chapter."],
            [
                ("preambular", False, "Recalling its resolution 75/241,", [], []),
                (
                    "preambular",
                    False,
                    "Reaffirming [the [importance] of] cooperation,",
                    ["PP note."],
                    [],
                ),
                ("paragraph", False, "Decides to convene a meeting;", [], []),
                ("paragraph", False, "Alt 1: Decides to convene two meetings;", [], []),
                (
                    "paragraph",
                    False,
                    "Requests the Secretary-General:",
                    [],
                    [
                        (
                            "subparagraph",
                            False,
                            "to report;",
                            [],
                            [
                                ("subparagraph", False, "in writing;", [], []),
                                ("subparagraph", False, "in time;", [], []),
                            ],
                        ),
                        ("subparagraph", False, "to assist;", [], []),
                    ],
                ),
                (
                    "section",
                    True,
                    "Follow-up",
                    [],
                    [("paragraph", False, "Invites States to [act]", [], [])],
                ),
            ],
        )
    ]
    assert imported.warnings == []


def test_labels_of_an_imported_resolution():
    """Labels come from position: I., unnumbered PPs, 1. 2. 3., (a) (b), (i) (ii)."""
    imported = read_docx(resolution_docx())
    nodes, order = [], []

    def convert(elements):
        result = []
        for element in elements:
            node = OutlineNode(key=len(order), kind=element.kind, unnumbered=element.unnumbered)
            order.append(element.text)
            node.children = convert(element.children)
            result.append(node)
        return result

    nodes = convert(imported.elements)
    labels = label_tree(nodes)
    assert [labels[key] for key in range(len(order))] == [
        "I.", "", "", "1.", "2.", "3.", "(a)", "(i)", "(ii)", "(b)", "", "4.",
    ]  # fmt: skip


PASTED_RESOLUTION = """\
Draft decision
PP1 Recalling the Programme of Action,
PP2 Noting [with concern] the report,
OP1 Decides to hold a meeting;
Alt 2 Decides to hold no meeting;
OP2 Requests:
(a) a report;
(i) in writing;
(b) a plan.
"""


def test_pasted_resolution_text():
    """PP/OP markers and typed (a)/(i) marks in pasted text."""
    imported = read_text(PASTED_RESOLUTION)
    assert imported.title == "Draft decision"
    kinds = [(e.kind, e.text, [(c.kind, c.text) for c in e.children]) for e in imported.elements]
    assert kinds == [
        ("preambular", "Recalling the Programme of Action,", []),
        ("preambular", "Noting [with concern] the report,", []),
        ("paragraph", "Decides to hold a meeting;", []),
        ("paragraph", "Alt 2 Decides to hold no meeting;", []),
        ("paragraph", "Requests:", [("subparagraph", "a report;"), ("subparagraph", "a plan.")]),
    ]
    assert imported.elements[4].children[0].children[0].text == "in writing;"


PASTED_AGENDA = """\
Outcome document
1. [First item]
a) National
- Reporting
o Indicators
-
2. Second item
- [Unbalanced
"""


def test_pasted_agenda_text_with_empty_bullets_and_a_bracket_warning():
    imported = read_text(PASTED_AGENDA)
    first, second = imported.elements
    assert (first.kind, first.text) == ("agenda_item", "[First item]")
    section = first.children[0]
    assert (section.kind, section.text, section.unnumbered) == ("section", "National", False)
    assert [(c.kind, c.text) for c in section.children] == [
        ("theme", "Reporting"),
        ("placeholder", ""),
    ]
    assert [(c.kind, c.text) for c in section.children[0].children] == [("subtheme", "Indicators")]
    assert second.children[0].kind == "theme"
    assert imported.warnings == [(7, "unclosed", "[")]


def test_the_projects_outline_format_is_accepted_as_pasted_text():
    source = (SOURCE / "bms7_annex.outline").read_text(encoding="utf-8")
    assert shape(read_text(source).elements) == shape(bms7_annex())


def test_a_broken_outline_is_refused_with_its_line():
    with pytest.raises(ImportRefused, match="outline: line 2"):
        read_text("agenda_item: One\n   theme: three spaces\n")


def test_nothing_to_import_is_refused():
    with pytest.raises(ImportRefused, match="empty"):
        read_text("\n\n  \n")


# Bad files: each refused with its own reason, before python-docx reads it.


def test_a_word_97_file_is_refused_as_doc(tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is installed by .ci/run")
    source = tmp_path / "draft.docx"
    source.write_bytes(bms7_docx())
    import subprocess

    subprocess.run(  # noqa: S603
        [  # noqa: S607
            "soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
            "--convert-to", "doc:MS Word 97", "--outdir", str(tmp_path / "out"), str(source),
        ],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    with pytest.raises(ImportRefused, match=r"^doc$"):
        read_docx((tmp_path / "out" / "draft.doc").read_bytes())


def test_a_password_protected_file_is_refused_as_encrypted():
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(bms7_docx())).encrypt("secret", encrypted)
    with pytest.raises(ImportRefused, match=r"^encrypted$"):
        read_docx(encrypted.getvalue())


def test_a_zip_bomb_is_refused_from_its_directory(monkeypatch):
    """A member declaring 40 MB (in a 40 kB file) is refused without being inflated."""
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/zeros.bin", b"\0" * (40 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100_000

    def must_not_inflate(*args, **kwargs):
        raise AssertionError("inflated")

    monkeypatch.setattr(zipfile.ZipFile, "read", must_not_inflate)
    monkeypatch.setattr(zipfile.ZipFile, "open", must_not_inflate)
    with pytest.raises(ImportRefused, match=r"^zip_bomb$"):
        check_container(bomb.getvalue())


def test_a_file_over_the_limit_is_refused_as_too_large():
    content = bms7_docx() + b"\0" * docx_reader.MAX_FILE_BYTES
    with pytest.raises(ImportRefused, match="too_large"):
        read_docx(content)


@pytest.mark.parametrize(
    "content", [b"", b"%PDF-1.7 not a Word file", b"PK\x03\x04 broken zip", b"plain text"]
)
def test_something_else_is_refused_as_not_docx(content):
    with pytest.raises(ImportRefused, match=r"^not_docx$"):
        read_docx(content)


def test_a_zip_without_a_word_document_is_refused_as_not_docx():
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("content.xml", "<office:document/>")
    with pytest.raises(ImportRefused, match=r"^not_docx$"):
        read_docx(other.getvalue())


def test_a_damaged_word_file_is_refused_as_corrupt():
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bms7_docx())) as source, zipfile.ZipFile(damaged, "w") as out:
        for member in source.infolist():
            content = source.read(member)
            out.writestr(
                member, b"<w:document" if member.filename == "word/document.xml" else content
            )
    with pytest.raises(ImportRefused, match=r"^corrupt"):
        read_docx(damaged.getvalue())


def test_control_characters_and_direction_overrides_are_dropped_from_word_text():
    """What a delegate may not type (Trojan-Source overrides, control characters) does not
    come in through a Word file either."""
    word = WordFile()
    word.paragraph("Title", style="Title")
    word.paragraph("Decides \u202eto act\u202c now;", numbered="decimal")
    imported = read_docx(word.bytes())
    assert imported.elements[0].text == "Decides to act now;"


def test_a_paragraph_over_the_element_limit_is_kept_for_splitting():
    """Nothing is cut unseen: a 5,000-character paragraph reaches the preview whole, Save's
    check (nest) names it, and split in two it passes."""
    long_text = ("word " * 1_000).strip()
    imported = read_text(f"Title\n1. {long_text}\n2. Short")
    rows = flatten(imported.elements)
    assert len(rows[0].text) == len(long_text) > validation.MAX_ELEMENT_TEXT
    with pytest.raises(RowProblem, match="row 0: too_long"):
        nest(rows)
    half = len(long_text) // 2
    rows = split_row(rows, 0, [long_text[:half], long_text[half:]])
    assert [element.text for element in nest(rows)][2] == "Short"


def test_a_split_text_with_a_direction_override_is_refused_on_save():
    rows = flatten(read_text("Title\n1. One two").elements)
    rows = split_row(rows, 0, ["One", "\u202etwo"])
    with pytest.raises(RowProblem, match="row 1: characters"):
        nest(rows)


def test_merge_joins_text_and_footnotes():
    rows = flatten(read_text("T\n1. One\n2. Two").elements)
    rows[1].footnotes = ["Note."]
    merged = merge_rows(rows, 0)
    assert [(r.text, r.footnotes) for r in merged] == [("One Two", ["Note."])]
    with pytest.raises(RowProblem, match="no_next"):
        merge_rows(merged, 0)


def test_word_list_styles_give_their_levels():
    """Lists made with Word's styles (numbering in the style, not the paragraph): "List
    Number" items, "List Bullet" themes, "List Bullet 2" sub-themes, an empty bullet."""
    word = WordFile()
    word.paragraph("Outcome", style="Title")
    word.paragraph("First item", style="List Number")
    word.paragraph("A bullet", style="List Bullet")
    word.paragraph("A sub-bullet", style="List Bullet 2")
    word.paragraph("", style="List Bullet")
    word.paragraph("Second item", style="List Number")
    imported = read_docx(word.bytes())
    assert shape(imported.elements) == [
        (
            "agenda_item",
            False,
            "First item",
            [],
            [
                ("theme", False, "A bullet", [], [("subtheme", False, "A sub-bullet", [], [])]),
                ("placeholder", False, "", [], []),
            ],
        ),
        ("agenda_item", False, "Second item", [], []),
    ]


def test_paragraphs_in_tables_are_read_in_order():
    word = WordFile()
    word.paragraph("Outcome", style="Title")
    word.paragraph("Before", numbered="decimal")
    table = word.document.add_table(rows=1, cols=2)
    table.cell(0, 0).paragraphs[0].text = "- Left"
    table.cell(0, 1).paragraphs[0].text = "- Right"
    word.paragraph("After", numbered="decimal")
    imported = read_docx(word.bytes())
    assert [(e.text, [c.text for c in e.children]) for e in imported.elements] == [
        ("Before", ["Left", "Right"]),
        ("After", []),
    ]


def test_a_file_with_tracked_changes_is_refused():
    """python-docx reads a paragraph without its tracked insertions: refused, not guessed."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    word = WordFile()
    word.paragraph("Outcome", style="Title")
    word.paragraph("Decides to act", numbered="decimal")
    word.document.paragraphs[-1]._p.append(
        parse_xml(
            f'<w:ins {nsdecls("w")} w:id="1" w:author="A" w:date="2026-01-01T00:00:00Z">'
            "<w:r><w:t> now</w:t></w:r></w:ins>"
        )
    )
    with pytest.raises(ImportRefused, match=r"^tracked_changes$"):
        read_docx(word.bytes())


def test_the_title_block_of_the_real_zero_draft():
    """As the seed's annex begins: the meeting's name in bold, place and dates, the note,
    a rule, then the document's title in bold; the title is that last heading."""
    word = WordFile()
    word.paragraph("Annex", bold=True)
    word.paragraph("Seventh Biennial Meeting of States", bold=True)
    word.paragraph("New York, 26 – 30 July 2021")
    word.paragraph("The below is without prejudice to the agreement of the agenda items.")
    word.paragraph("_" * 60)
    word.paragraph("BMS7 Outcome Document – Zero Draft", bold=True)
    word.paragraph("[Decision on agenda of BMS8]", numbered="decimal")
    word.paragraph("", numbered="bullet")
    word.paragraph("The Way Forward", bold=True)
    word.paragraph("", numbered="bullet")
    imported = read_docx(word.bytes())
    assert imported.title == "BMS7 Outcome Document – Zero Draft"
    assert imported.preamble.splitlines() == [
        "Annex",
        "Seventh Biennial Meeting of States",
        "New York, 26 – 30 July 2021",
        "The below is without prejudice to the agreement of the agenda items.",
    ]
    assert shape(imported.elements) == [
        (
            "agenda_item",
            False,
            "[Decision on agenda of BMS8]",
            [],
            [
                ("placeholder", False, "", [], []),
                ("section", True, "The Way Forward", [], [("placeholder", False, "", [], [])]),
            ],
        )
    ]


def test_text_without_any_marker_becomes_paragraphs_under_its_title():
    imported = read_text("Draft decision\nThe Meeting decides to act.\nIt also decides to report.")
    assert imported.title == "Draft decision"
    assert [(e.kind, e.text) for e in imported.elements] == [
        ("paragraph", "The Meeting decides to act."),
        ("paragraph", "It also decides to report."),
    ]
