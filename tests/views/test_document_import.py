"""The secretariat's import of a zero draft (issue #16, point 2): upload or paste, check and
correct the outline, save the document and Revision 0 at once; bad files and meetings that
cannot take an import change nothing."""

import io
import uuid
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from msoffcrypto.format.ooxml import OOXMLFile

from drafting.models import AuditEvent, Document, Element, Footnote, Revision
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.text import docx_reader
from tests.factories import (
    DocumentFactory,
    MeetingFactory,
    chairs_office,
    delegate_of,
    secretariat,
)
from tests.unit.test_importing import bms7_docx, resolution_docx

pytestmark = pytest.mark.django_db

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def meeting():
    return MeetingFactory(slug="bms8", short_title="BMS8", symbol_prefix="A/CONF.192/BMS/2026/WP.1")


@pytest.fixture
def staff(client):
    user = secretariat()
    client.force_login(user)
    return user


def url(meeting):
    return reverse("document_import", args=[meeting.slug])


def upload(client, meeting, content, name="draft.docx", **headers):
    return client.post(
        url(meeting),
        {"action": "read", "file": SimpleUploadedFile(name, content, content_type=DOCX)},
        **headers,
    )


def session_rows(client, meeting):
    return client.session[f"document_import:{meeting.pk}"]["rows"]


def strip_ids(elements):
    return [
        {
            "kind": e["kind"],
            "label": e["label"],
            "text": e["text"],
            "unnumbered": e.get("unnumbered", False),
            "footnotes": [f["text"] if isinstance(f, dict) else f for f in e.get("footnotes", [])],
            "children": strip_ids(e["children"]),
        }
        for e in elements
    ]


def test_the_bms7_word_file_becomes_the_same_zero_draft_as_the_fixture(
    client, staff, meeting, bms7
):
    """Upload, check, save: the new meeting's Revision 0 has the fixture's elements, labels
    and footnotes, and its document the fixture's title and preamble."""
    response = upload(client, meeting, bms7_docx())
    assert response.status_code == 302
    page = client.get(url(meeting))
    assert page.status_code == 200
    counts = dict(page.context["counts"])
    assert counts["agenda item"] == 5
    assert counts["empty bullet"] == 12
    response = client.post(
        url(meeting),
        {"action": "save", "title": "BMS7 Outcome Document", "preamble": bms7.document.preamble},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("working_draft", args=[meeting.slug])
    document = Document.objects.get(meeting=meeting)
    zero = Revision.objects.get(document=document)
    fixture_zero = Revision.objects.get(document=bms7.document, number=0)
    assert (zero.number, zero.label, zero.symbol) == (0, "Zero draft", "A/CONF.192/BMS/2026/WP.1")
    assert zero.issued_by == staff
    assert strip_ids(zero.snapshot["elements"]) == strip_ids(fixture_zero.snapshot["elements"])
    assert zero.snapshot["document"] == fixture_zero.snapshot["document"]
    assert Element.objects.filter(document=document).count() == (
        Element.objects.filter(document=bms7.document).count()
    )
    assert Element.history.filter(document_id=document.pk).count() == (
        Element.objects.filter(document=document).count()
    )
    assert AuditEvent.objects.filter(action="document_imported", user=staff).count() == 1
    assert f"document_import:{meeting.pk}" not in client.session
    assert client.get(reverse("working_draft", args=[meeting.slug])).status_code == 200


def test_a_resolution_shows_its_labels_on_the_working_draft(client, staff, meeting):
    """Chapters, unnumbered PPs, OPs 1. 2., sub-paragraphs (a) and (i) on the saved draft."""
    upload(client, meeting, resolution_docx())
    client.post(url(meeting), {"action": "save", "title": "Draft", "preamble": ""})
    page = client.get(reverse("working_draft", args=[meeting.slug])).content.decode()
    assert '<section class="chapter"' in page
    assert 'class="subparagraph" id="e-' in page
    assert 'data-label="(a)"' in page and 'data-label="(i)"' in page
    assert 'class="preambular"' in page
    labels = [e.kind for e in Element.objects.filter(document__meeting=meeting).order_by("pk")]
    assert labels.count("subparagraph") == 4 and labels.count("preambular") == 2


@pytest.mark.parametrize(
    ("user", "expected"),
    [(None, 302), ("delegate", 403), ("chair", 403), ("secretariat", 200)],
)
def test_only_the_secretariat_opens_the_import(client, meeting, user, expected):
    if user == "delegate":
        client.force_login(delegate_of("jpn"))
    elif user == "chair":
        client.force_login(chairs_office())
    elif user == "secretariat":
        client.force_login(secretariat())
    assert client.get(url(meeting)).status_code == expected
    if user != "secretariat":
        response = upload(client, meeting, bms7_docx())
        assert response.status_code == expected
        assert not Document.objects.filter(meeting=meeting).exists()
        assert f"document_import:{meeting.pk}" not in client.session


def test_a_delegate_cannot_save_an_outline(client, meeting):
    """Even with an outline in its session (put there by a secretariat login), a delegate's
    Save is refused and nothing is written."""
    client.force_login(secretariat())
    upload(client, meeting, bms7_docx())
    client.force_login(delegate_of("fra"))
    response = client.post(url(meeting), {"action": "save", "title": "X", "preamble": ""})
    assert response.status_code == 403
    assert not Document.objects.filter(meeting=meeting).exists()


def test_an_outline_read_for_one_meeting_cannot_be_saved_to_another(client, staff, meeting):
    other = MeetingFactory(slug="other")
    upload(client, meeting, bms7_docx())
    response = client.post(url(other), {"action": "save", "title": "X", "preamble": ""})
    assert response.status_code == 400
    assert "There is no outline to save" in response.content.decode()
    assert not Document.objects.filter(meeting=other).exists()
    assert not Document.objects.filter(meeting=meeting).exists()


def encrypted_docx():
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(bms7_docx())).encrypt("secret", out)
    return out.getvalue()


def zip_bomb():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    return out.getvalue()


def tracked_changes():
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    from tests.docx_files import WordFile

    word = WordFile()
    word.paragraph("Decides", numbered="decimal")
    word.document.paragraphs[-1]._p.append(
        parse_xml(
            f'<w:del {nsdecls("w")} w:id="1" w:author="A">'
            "<w:r><w:delText>x</w:delText></w:r></w:del>"
        )
    )
    return word.bytes()


def word_97():
    # The header of an OLE compound file, as a .doc begins, and no encrypted package in it.
    return bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 4096


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (word_97, "This is an old Word file (.doc)"),
        (encrypted_docx, "This Word file is protected by a password"),
        (zip_bomb, "This file unpacks to far more than a Word document does"),
        (lambda: b"%PDF-1.7", "This is not a Word document (.docx)"),
        (tracked_changes, "This Word file has tracked changes"),
        (lambda: b"\0" * (docx_reader.MAX_FILE_BYTES + 1), "larger than 10 MB"),
    ],
    ids=["doc", "encrypted", "zip-bomb", "pdf", "tracked-changes", "over-10-MB"],
)
def test_bad_files_get_a_clear_message_and_change_nothing(client, staff, meeting, content, message):
    """Each refused file leaves the outline read before it, and the database, as they were."""
    upload(client, meeting, bms7_docx())
    before = session_rows(client, meeting)
    response = upload(client, meeting, content())
    assert response.status_code == 400
    assert message in response.content.decode()
    assert session_rows(client, meeting) == before
    assert not Document.objects.filter(meeting=meeting).exists()


def test_a_50_mb_upload_is_refused_before_it_is_read(client, staff, meeting):
    response = upload(client, meeting, b"PK" + b"\0" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "Too much sent at once" in response.content.decode()
    assert f"document_import:{meeting.pk}" not in client.session


def test_pasted_text_and_the_outline_format(client, staff, meeting):
    response = client.post(
        url(meeting),
        {"action": "read", "pasted": "Title\nPP1 Recalling,\nOP1 Decides;\n(a) to act;"},
    )
    assert response.status_code == 302
    rows = session_rows(client, meeting)
    assert [(r["kind"], r["level"]) for r in rows] == [
        ("preambular", 0),
        ("paragraph", 0),
        ("subparagraph", 1),
    ]
    client.post(url(meeting), {"action": "read", "pasted": "agenda_item: One\n  placeholder:\n"})
    assert [(r["kind"], r["level"]) for r in session_rows(client, meeting)] == [
        ("agenda_item", 0),
        ("placeholder", 1),
    ]


def hx(client, meeting, **data):
    return client.post(url(meeting), data, headers={"HX-Request": "true"})


def test_corrections_kind_level_merge_and_split(client, staff, meeting):
    """Each correction answers the preview fragment and changes the kept outline."""
    client.post(
        url(meeting),
        {
            "action": "read",
            "pasted": "Title\n1. Decides\nto act;\n2. Requests the report; and a plan",
        },
    )
    assert [r["text"] for r in session_rows(client, meeting)] == [
        "Decides", "to act;", "Requests the report; and a plan",
    ]  # fmt: skip
    response = hx(client, meeting, action="merge", row="0")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith('\n<section id="import-preview"') or body.lstrip().startswith(
        '<section id="import-preview"'
    )
    assert "<html" not in body
    response = hx(client, meeting, action="split", row="1", text="Requests the report;\nand a plan")
    assert response.status_code == 200
    hx(client, meeting, action="kind", row="2", kind="subparagraph")
    hx(client, meeting, action="level", row="2", level="1")
    rows = session_rows(client, meeting)
    assert [(r["kind"], r["level"], r["text"]) for r in rows] == [
        ("paragraph", 0, "Decides to act;"),
        ("paragraph", 0, "Requests the report;"),
        ("subparagraph", 1, "and a plan"),
    ]
    response = client.post(url(meeting), {"action": "save", "title": "Decision", "preamble": ""})
    assert response.status_code == 302
    zero = Revision.objects.get(document__meeting=meeting)
    assert [
        (e["label"], [c["label"] for c in e["children"]]) for e in zero.snapshot["elements"]
    ] == [
        ("1.", []),
        ("2.", ["(a)"]),
    ]


def test_a_wrong_correction_is_explained_and_saving_a_broken_outline_is_refused(
    client, staff, meeting
):
    client.post(url(meeting), {"action": "read", "pasted": "T\n1. One\n2. Two"})
    response = hx(client, meeting, action="level", row="1", level="3")
    assert response.status_code == 200
    assert "Element 2 is more than one level below" in response.content.decode()
    response = hx(client, meeting, action="kind", row="0", kind="placeholder")
    assert response.status_code == 400
    assert "Element 1 is an empty bullet but has text" in response.content.decode()
    response = hx(client, meeting, action="merge", row="9")
    assert response.status_code == 400
    response = client.post(url(meeting), {"action": "save", "title": "T", "preamble": ""})
    assert response.status_code == 400
    assert "Element 2 is more than one level below" in response.content.decode()
    assert not Document.objects.filter(meeting=meeting).exists()


def test_the_preview_takes_a_bounded_number_of_queries(
    client, staff, meeting, django_assert_max_num_queries
):
    upload(client, meeting, bms7_docx())
    with django_assert_max_num_queries(10):
        response = client.get(url(meeting))
    assert response.status_code == 200
    assert len(response.context["rows"]) == 100


def test_a_meeting_with_an_issued_zero_draft_refuses_an_import(client, staff, bms7):
    response = client.get(url(bms7))
    assert "zero draft was already issued" in response.content.decode()
    response = client.post(url(bms7), {"action": "read", "pasted": "1. New"})
    assert response.status_code == 409
    assert Revision.objects.filter(document=bms7.document).count() == 1


def test_a_meeting_with_proposals_refuses_an_import(client, staff, bms7, open_round):
    proposal_create(
        user=delegate_of("jpn"),
        element=Element.objects.filter(document=bms7.document, kind="theme").first(),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text="New words"),
    )
    response = client.post(url(bms7), {"action": "read", "pasted": "1. New"})
    assert response.status_code == 409
    assert "already has proposals" in response.content.decode()


def test_an_empty_document_made_beforehand_is_filled_through_the_gate(client, staff, meeting):
    """Meeting setup may have made the document: the import fills it, bumping its version."""
    document = DocumentFactory(meeting=meeting, title="Placeholder title")
    upload(client, meeting, resolution_docx())
    response = client.post(url(meeting), {"action": "save", "title": "Outcome", "preamble": ""})
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.title, document.version) == ("Outcome", 1)
    assert Footnote.objects.filter(element__document=document).count() == 2
    assert Revision.objects.get(document=document).number == 0


def test_the_revision_pdf_shows_the_labels_of_a_resolution(client, staff, meeting):
    """The zero draft's PDF (its HTML, before WeasyPrint): the chapter as a heading "I.",
    operative paragraphs "1.", sub-paragraphs "(a)" and "(i)", preambular ones without."""
    from drafting.exports import pdfs

    upload(client, meeting, resolution_docx())
    client.post(url(meeting), {"action": "save", "title": "Draft", "preamble": ""})
    zero = Revision.objects.get(document__meeting=meeting)
    html = pdfs.revision_html(meeting, zero)
    assert '<h2 class="chapter">I.\tIntroduction' in html
    assert '<li class="preambular">\tRecalling its resolution 75/241,' in html
    assert '<li class="paragraph">1.\tDecides to convene a meeting;' in html
    assert '<li class="subparagraph">(a)\tto report;' in html
    assert '<li class="subparagraph">(i)\tin writing;' in html


def test_an_outline_too_large_to_keep_is_refused(client, staff, meeting, monkeypatch):
    from drafting.views import imports

    monkeypatch.setattr(imports, "MAX_SESSION_CHARS", 2_000)
    response = upload(client, meeting, bms7_docx())
    assert response.status_code == 400
    assert "The outline is too large to import in one go." in response.content.decode()
    assert f"document_import:{meeting.pk}" not in client.session
