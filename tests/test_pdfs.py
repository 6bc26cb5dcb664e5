"""Revision PDFs: UN layout, every word of the record, tagged, deterministic, and safe."""

import gc
import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pydyf
import pytest
from django.core.management import call_command
from django.urls import reverse
from weasyprint import HTML

from drafting.exports.pdfs import PDF_ASSETS, StaticOnlyFetcher, render_pdf
from drafting.models import Element, Revision
from drafting.services.revisions import revision_issue
from drafting.text.snapshot import iter_elements
from tests.factories import chairs_office, delegate_of
from tests.pdf_text import flat as _flat
from tests.pdf_text import pdf_text as _text

pytestmark = pytest.mark.django_db

POPPLER = shutil.which("pdftotext")


@pytest.fixture(scope="module")
def poppler():
    if POPPLER is None:
        pytest.fail("poppler-utils is not installed: run .ci/run, which installs it")


@pytest.fixture
def zero(bms7):
    return Revision.objects.get(document=bms7.document, number=0)


def test_the_zero_draft_pdf_holds_every_word_of_the_record(bms7, zero, poppler):
    rendered = render_pdf(bms7, zero)
    text = _flat(_text(rendered.content))
    assert "A/CONF.192/BMS/2021/WP.1" in text
    assert "Distr.: General" in text and "Original: English" in text and "7 May 2021" in text
    assert "BMS7 Outcome Document – Zero Draft" in text
    for element, _depth in iter_elements(zero.snapshot["elements"]):
        assert _flat(element["text"]) in text, element["text"]
        for footnote in element["footnotes"]:
            assert _flat(footnote) in text, footnote
    assert "Martin Kimani, PhD, EBS" in text
    assert rendered.pages >= 4


def test_footnotes_sit_at_the_foot_of_the_page_that_calls_them(bms7, zero, poppler):
    rendered = render_pdf(bms7, zero)
    for page in range(1, rendered.pages + 1):
        text = _flat(_text(rendered.content, page))
        if "[Consideration of the implementation of the Programme of Action" in text:
            assert "1 Based on the chair’s proposals of the draft agenda" in text
            break
    else:
        pytest.fail("agenda item 1 not found")


def test_the_pdf_is_tagged_titled_in_english_with_embedded_fonts(bms7, zero, poppler):
    content = render_pdf(bms7, zero).content
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert str(pdf.Root.Lang) == "en"
        assert "Zero draft" in str(pdf.docinfo["/Title"])
        assert "/Names" not in pdf.Root or "/EmbeddedFiles" not in pdf.Root.Names
        assert len(pdf.attachments) == 0
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)  # noqa: S607
    assert b"Tagged:          yes" in info.stdout
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)  # noqa: S607
    rows = fonts.stdout.decode().splitlines()[2:]
    assert rows and all(" yes " in row for row in rows)


def test_the_same_revision_gives_the_same_bytes(bms7, zero):
    assert render_pdf(bms7, zero).content == render_pdf(bms7, zero).content


def test_user_text_is_escaped_and_nothing_is_fetched_from_it(bms7, poppler):
    """Markup typed into a proposal or by the chair stays text in the PDF, never a link,
    image or attachment."""
    element = Element.objects.filter(kind="theme").first()
    hostile = (
        '<link rel="attachment" href="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><script>alert(1)</script>'
    )
    element.text = f"[Effective control] {hostile}"
    element.save(update_fields=["text"])
    revision = revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="Excellency,"
    )
    fetcher = StaticOnlyFetcher()
    content = render_pdf(bms7, revision, fetcher=fetcher).content
    assert fetcher.refused == []  # nothing was even asked for: the markup never became markup
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert len(pdf.attachments) == 0
    assert '<link rel="attachment" href="file:///etc/passwd">' in _flat(_text(content))
    assert b"root:x:0:0" not in content


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/secret",
        "https://example.org/x.css",
        "data:text/css,body{color:red}",
        (PDF_ASSETS / ".." / ".." / "manage.py").as_uri(),
        "file://evil.example/" + str(PDF_ASSETS / "un.css"),
    ],
)
def test_the_fetcher_refuses_everything_but_our_own_pdf_assets(url):
    fetcher = StaticOnlyFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_fetcher_serves_our_stylesheet():
    response = StaticOnlyFetcher().fetch((PDF_ASSETS / "un.css").as_uri())
    assert b"@page" in response.read()


def test_an_attachment_link_in_raw_html_is_not_embedded():
    """Even markup WeasyPrint would act on gets nothing from outside our assets."""
    fetcher = StaticOnlyFetcher()
    html = '<link rel="attachment" href="file:///etc/passwd"><p>x</p><img src="http://127.0.0.1:9/i.png">'
    content = HTML(string=html, base_url=PDF_ASSETS.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert len(pdf.attachments) == 0
    assert set(fetcher.refused) == {"file:///etc/passwd", "http://127.0.0.1:9/i.png"}


def test_redline_and_compilation_pdfs(bms7, poppler):
    import uuid
    from datetime import timedelta

    from django.utils import timezone

    from drafting.services.marks import mark_set
    from drafting.services.proposals import ProposalContent, proposal_create
    from drafting.services.rounds import round_open
    from tests.factories import secretariat

    theme = Element.objects.get(text="Effective control over SALW")
    theme.text = "Effective [and transparent] control over SALW"
    theme.save(update_fields=["text"])
    chair = chairs_office()
    rev1 = revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    now = timezone.now()
    round_open(
        user=secretariat(),
        document=bms7.document,
        name="R2",
        opens_at=now - timedelta(hours=1),
        deadline=now + timedelta(hours=1),
    )
    proposal = proposal_create(
        user=delegate_of("jpn"),
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(
            kind="amend", proposed_text="Effective [and transparent] control over small arms"
        ),
    )
    mark_set(user=delegate_of("mex"), proposal=proposal, stance="support")
    redline = _flat(_text(render_pdf(bms7, rev1, "redline").content))
    assert "changes from Zero draft" in redline and "[and transparent]" in redline
    compilation = _flat(_text(render_pdf(bms7, rev1, "compilation").content))
    assert "Japan" in compilation and "Supported by: Mexico" in compilation
    assert "small arms" in compilation


def test_command_line_exports(bms7, zero, tmp_path, poppler):
    target = tmp_path / "zero.pdf"
    call_command("export_revision", "bms7", "0", "--format", "pdf", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF")
    call_command(
        "export_revision",
        "bms7",
        "0",
        "--format",
        "pdf",
        "--redline",
        "-o",
        str(tmp_path / "r.pdf"),
    )
    call_command(
        "export_revision",
        "bms7",
        "0",
        "--format",
        "pdf",
        "--compilation",
        "-o",
        str(tmp_path / "c.pdf"),
    )
    assert (tmp_path / "r.pdf").exists() and (tmp_path / "c.pdf").exists()
    assert target.read_bytes() == render_pdf(bms7, zero).content


def test_download_with_etag_public_for_revisions_private_for_compilations(
    client, bms7, zero, django_capture_on_commit_callbacks
):
    url = reverse("revision_pdf", args=["bms7", 0])
    with django_capture_on_commit_callbacks(execute=True):  # not stored yet: its export job
        assert client.get(url).status_code == 302
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="A-CONF.192-BMS-2021-WP.1.pdf"' in response["Content-Disposition"]
    etag = response["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    compilation = reverse("revision_pdf_kind", args=["bms7", 0, "compilation"])
    assert client.get(compilation).status_code == 302
    client.force_login(delegate_of("jpn"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(compilation).status_code == 302
    assert client.get(compilation).status_code == 200
    assert client.get(reverse("revision_pdf_kind", args=["bms7", 0, "secrets"])).status_code == 404


def test_no_stray_files_in_the_assets_folder():
    assert sorted(p.name for p in Path(PDF_ASSETS).iterdir()) == ["un.css"]


def test_latin_cyrillic_arabic_and_chinese_are_set_in_embedded_fonts(bms7, poppler):
    """Names of States and later translations: every script prints, in fonts carried inside."""
    element = Element.objects.filter(kind="theme").first()
    element.text = "Côte d’Ivoire; Российская Федерация; المملكة العربية السعودية; 中华人民共和国"
    element.save(update_fields=["text"])
    revision = revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="Excellency,"
    )
    content = render_pdf(bms7, revision).content
    text = _text(content)
    for word in ("Côte d’Ivoire", "Российская Федерация", "中华人民共和国"):
        assert word in text
    assert "العربية" in text or "ةيبرعلا" in text  # poppler may give Arabic in visual order
    fonts = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)  # noqa: S607
    listing = fonts.stdout.decode()
    assert "Arab" in listing or "Naskh" in listing
    assert "CJK" in listing
    assert all(" yes " in row for row in listing.splitlines()[2:])


def test_a_word_longer_than_the_line_breaks_instead_of_running_off_the_page(bms7, poppler):
    """Regression (found by tests/views/test_fuzz.py): a long URL or any word wider than the
    line ran past the right margin and was cut off at the page's edge, lost from the
    printed record."""
    element = Element.objects.filter(kind="theme").first()
    url = "https://www.un.org/disarmament/" + "convarms/salw/programme-of-action/" * 4
    word = "n" * 300
    element.text = f"See {url} and {word}."
    element.save(update_fields=["text"])
    revision = revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter=f"Excellency, {word}"
    )
    text = re.sub(r"\s+", "", _text(render_pdf(bms7, revision).content))
    assert url in text
    assert text.count(word) == 2  # the element and the letter, every character on the page


def test_an_annex_element_is_its_label_a_tab_and_its_text_in_one_run():
    """One text run per element keeps layout fast (see ``templates/pdf/_annex.html``); the
    boxes keep white space, so the user's runs of spaces and tabs are folded as HTML would,
    the template's line breaks are not written, and text is escaped."""
    from django.template.loader import render_to_string

    from drafting.render.presenters import Block, ElementView, FootnoteView
    from drafting.render.rendering import tree_steps

    def annex_body(elements):
        return render_to_string("pdf/_annex.html", {"annex_steps": tree_steps(elements)})

    def view(kind, label, text, status="open", footnotes=(), blocks=()):
        return ElementView(
            id=1,
            kind=kind,
            label=label,
            text=text,
            status=status,
            footnotes=[FootnoteView(number=1, text=t, element_id=1) for t in footnotes],
            open_brackets=0,
            blocks=list(blocks),
        )

    bullets = [
        view("theme", "-", " Effective  \t control <b>over</b> SALW "),
        view("theme", "-", "Gone", status="deleted"),
        view("paragraph", "2.", "Agreed", status="agreed_ad_ref"),
        view("placeholder", "-", ""),
    ]
    item = view("agenda_item", "1.", "[Item]", footnotes=["A  note"], blocks=[Block(True, bullets)])
    assert annex_body([item, view("section", "", "The Way Forward")]) == (
        '<h2 class="agenda-item">1.\t[Item]<span class="footnote">A note</span></h2>'
        '<ul class="bullets">'
        '<li class="theme">-\tEffective control &lt;b&gt;over&lt;/b&gt; SALW</li>'
        '<li class="theme">-\t<span class="deleted">Gone</span></li>'
        '<li class="paragraph">2.\tAgreed <span class="agreed-note">(agreed ad ref.)</span></li>'
        '<li class="placeholder">-\t</li></ul>'
        '<h3 class="section unnumbered">The Way Forward</h3>'
    )


def test_page_references_are_pydyfs_after_every_page_added():
    pdf = pydyf.PDF()
    for count in range(1, 4):
        pdf.add_page(pydyf.Dictionary({"Type": "/Page"}))
        expected = tuple(f"{n} 0 R".encode() for n in pdf.pages["Kids"][::3])
        assert len(expected) == count
        assert pdf.page_references == expected


def test_a_render_leaves_the_garbage_collector_as_it_found_it(bms7, zero):
    assert gc.isenabled()
    render_pdf(bms7, zero)
    assert gc.isenabled()
    gc.disable()
    try:
        render_pdf(bms7, zero)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_long_unbreakable_runs_wrap_in_every_pdf_and_no_character_is_lost(bms7, poppler):
    """Regression: a 3,999-character run of nested brackets replacing a theme ran off the page
    in the redline after about 110 characters (the text layer had 112 "[" of 1,999): WeasyPrint
    does not break a run that crosses from a deletion into an insertion. Brackets, URLs and
    long words wrap in the revision, its redline and its compilation: the text layer holds
    every "[" and "]" the document has, and the long word and URL read whole once line breaks
    are removed."""
    import html as html_module
    import uuid
    from datetime import timedelta

    from django.utils import timezone
    from django.utils.html import strip_tags

    from drafting.exports.pdfs import BUILDERS
    from drafting.services.proposals import ProposalContent, proposal_create
    from drafting.services.rounds import round_open
    from tests.factories import secretariat

    run = "[" * 1999 + "x" + "]" * 1999
    url = "https://www.un.org/disarmament/" + "convarms/salw/programme-of-action/" * 4
    word = "n" * 300
    themes = Element.objects.filter(kind="theme").order_by("parent__parent__position", "pk")
    first, second = themes[0], themes[1]
    first.text = f"Effective control{word}{url}"
    first.save(update_fields=["text"])
    second.text = run
    second.save(update_fields=["text"])
    rev1 = revision_issue(issued_by=chairs_office(), document=bms7.document, cover_letter="Sir,")
    now = timezone.now()
    round_open(
        user=secretariat(),
        document=bms7.document,
        name="R2",
        opens_at=now - timedelta(hours=1),
        deadline=now + timedelta(hours=1),
    )
    for theme, text in ((second, f"Duty{run[11:-11]}"), (first, f"Control{word}{url}")):
        proposal_create(
            user=delegate_of("jpn"),
            element=Element.objects.get(pk=theme.pk),
            idempotency_key=uuid.uuid4(),
            submit=True,
            content=ProposalContent(kind="amend", proposed_text=text),
        )
    for kind in ("revision", "redline", "compilation"):
        source = html_module.unescape(strip_tags(BUILDERS[kind](bms7, rev1)))
        assert source.count("[") >= 1980, kind
        text = _text(render_pdf(bms7, rev1, kind).content)
        assert (text.count("["), text.count("]")) == (source.count("["), source.count("]")), kind
        joined = re.sub(r"\s+", "", text)
        assert f"{word}{url}" in joined, kind
