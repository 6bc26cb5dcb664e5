"""Our Word files read by a second client, LibreOffice (headless): each opens and converts,
its text is ours, and accepting (rejecting) every tracked change in LibreOffice gives the
newer (older) revision's text."""

import pytest

from drafting.exports.docx_export import redline_docx, revision_docx
from drafting.models import Revision
from drafting.text.snapshot import clean_snapshot, iter_elements
from tests.libreoffice import libreoffice  # noqa: F401 - a fixture
from tests.pdf_text import flat
from tests.pdf_text import pdf_text as pdf_text_of
from tests.test_docx_export import edited

pytestmark = pytest.mark.django_db


def annex_lines(text: str, title: str) -> list[str]:
    """The lines from the document's title line on (LibreOffice's text export writes a
    footnote's number where it is called and the footnotes after the body)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    return [line for line in lines[start + 1 :] if line.strip()]


def test_libreoffice_opens_the_revision_and_reads_our_text(bms7, tmp_path, libreoffice):  # noqa: F811
    zero = Revision.objects.get(document=bms7.document, number=0)
    path = tmp_path / "zero.docx"
    path.write_bytes(revision_docx(bms7, zero))
    (text,) = libreoffice.text([path])
    assert text.startswith(f"United Nations\t{zero.symbol}\n")
    for element, _depth in iter_elements(clean_snapshot(zero.snapshot)["elements"]):
        line = f"{element['label']}\t{element['text']}" if element["label"] else element["text"]
        assert line in text, line
    # Its text export leaves footnotes out; its PDF has them, at the foot of their pages.
    (pdf,) = libreoffice.convert([path], "pdf")
    pdf_text = flat(pdf_text_of(pdf.read_bytes()))
    footnotes = [n for e, _d in iter_elements(zero.snapshot["elements"]) for n in e["footnotes"]]
    assert footnotes
    for number, footnote in enumerate(footnotes, start=1):
        assert flat(f"{number} {footnote}") in pdf_text, footnote


def test_libreoffice_accepting_all_gives_the_newer_revision_and_rejecting_the_older(
    bms7,
    tmp_path,
    libreoffice,  # noqa: F811
):
    zero = Revision.objects.get(document=bms7.document, number=0)
    rev1 = edited(zero)
    files = {
        "zero": revision_docx(bms7, zero),
        "rev1": revision_docx(bms7, rev1),
        "redline": redline_docx(bms7, rev1, zero),
    }
    for name, content in files.items():
        (tmp_path / f"{name}.docx").write_bytes(content)
    zero_text, rev1_text = libreoffice.text([tmp_path / "zero.docx", tmp_path / "rev1.docx"])
    accepted = libreoffice.settled_text(tmp_path / "redline.docx", accept=True)
    rejected = libreoffice.settled_text(tmp_path / "redline.docx", accept=False)
    title = rev1.snapshot["document"]["title"]
    assert annex_lines(accepted, f"{title} – Rev.1") == annex_lines(rev1_text, f"{title} – Rev.1")
    assert annex_lines(rejected, f"{title} – Zero Draft") == (
        annex_lines(zero_text, f"{title} – Zero Draft")
    )
    assert annex_lines(accepted, f"{title} – Rev.1") != annex_lines(
        zero_text, f"{title} – Zero Draft"
    )


def test_libreoffice_lays_out_the_redline_and_the_compilation(
    bms7,
    open_round,
    tmp_path,
    libreoffice,  # noqa: F811
):
    """Both convert to PDF; the compilation's text shows each delegation's proposal."""
    import uuid

    from drafting.exports.docx_export import compilation_docx, compilation_rows
    from drafting.models import Element
    from drafting.services.proposals import ProposalContent, proposal_create
    from tests.factories import delegate_of

    zero = Revision.objects.get(document=bms7.document, number=0)
    theme = Element.objects.get(text="Effective control over SALW")
    for code, text in (("jpn", "Effective national control"), ("eu", "Effective [EU] control")):
        proposal_create(
            user=delegate_of(code),
            element=theme,
            idempotency_key=uuid.uuid4(),
            submit=True,
            content=ProposalContent(kind="amend", proposed_text=text, rationale="Clearer."),
        )
    (tmp_path / "redline.docx").write_bytes(redline_docx(bms7, edited(zero), zero))
    (tmp_path / "compilation.docx").write_bytes(
        compilation_docx(bms7, zero, compilation_rows(zero), zero.issued_at)
    )
    files = [tmp_path / "redline.docx", tmp_path / "compilation.docx"]
    for pdf in libreoffice.convert(files, "pdf"):
        assert pdf.read_bytes().startswith(b"%PDF")
    _redline, compilation = libreoffice.text(files)
    assert "Alternative 1: Japan" in compilation and "Alternative 2: European Union" in compilation
    # Its text export shows a tracked change's deleted words and inserted words side by side.
    assert "Effective control over SALW[EU] control" in compilation
