"""Word files of revisions: the UN layout, real footnotes, the same bytes each time, and
redlines as tracked changes whose accept-all gives the newer text and reject-all the older."""

import copy
import io
from dataclasses import dataclass
from datetime import UTC, datetime

import docx
import pytest

from drafting.exports.docx_export import CHAIRS_OFFICE, redline_docx, revision_docx
from drafting.models import Revision
from drafting.text.snapshot import clean_snapshot, iter_elements
from tests import docx_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def zero(bms7):
    return Revision.objects.get(document=bms7.document, number=0)


@dataclass
class FakeRevision:
    """What the Word builders read of a revision, for snapshots edited by hand."""

    label: str
    symbol: str
    snapshot: dict
    issued_at: datetime
    cover_letter: str = ""
    signatory: str = ""


def edited(zero) -> FakeRevision:
    """Rev.1 made by hand from the zero draft: a word changed, an element dropped, a theme
    with its children moved to the end of its agenda item, a new element, a footnote added,
    a status changed."""
    snapshot = copy.deepcopy(zero.snapshot)
    items = snapshot["elements"]
    first_item, second_item = items[0], items[1]
    first_item["children"].pop(2)  # a section dropped, with its themes
    themes = [child for child in second_item["children"] if child["kind"] == "theme"]
    assert len(themes) >= 3 and themes[1]["children"]
    themes[0]["text"] = (
        themes[0]["text"].replace("implementation", "[full] implementation") + " more"
    )
    second_item["children"].remove(themes[1])
    second_item["children"].append(themes[1])  # moved to the end, with its subthemes
    second_item["children"].remove(themes[2])  # dropped
    themes[3]["footnotes"] = [*themes[3]["footnotes"], "A new footnote."]
    second_item["children"].insert(
        0,
        {
            "id": 990001,
            "kind": "theme",
            "label": "-",
            "text": "A new theme [on stockpiles]",
            "status": "pending",
            "unnumbered": False,
            "footnotes": [],
            "children": [],
        },
    )
    themes[3]["status"] = "agreed_ad_ref"  # agreed: a note after it
    return FakeRevision(
        label="Rev.1",
        symbol=zero.symbol.replace("WP.1", "WP.1/Rev.1"),
        snapshot=snapshot,
        issued_at=datetime(2021, 7, 20, 14, 0, tzinfo=UTC),
    )


def revision_annex(meeting, revision) -> list[str]:
    content = revision_docx(meeting, revision)
    return docx_text.annex_texts(docx_text.body(content), docx_text.footnotes(content))


def test_the_revision_docx_holds_the_record_in_named_styles_with_real_footnotes(bms7, zero):
    """Masthead, letter then annex; every element's text and every footnote as a Word
    footnote; styles named for what they are."""
    content = revision_docx(bms7, zero)
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == f"United Nations\t{zero.symbol}"
    assert texts[1:4] == ["Distr.: General", "7 May 2021", "Original: English"]
    assert texts.index("Annex") > texts.index("Distr.: General")
    styles = {p.style.name for p in document.paragraphs}
    assert {"UN Agenda Item", "UN Theme", "UN Document Title", "UN Letter"} <= styles
    notes = docx_text.footnotes(content)
    published = clean_snapshot(zero.snapshot)
    expected_notes = [n for e, _d in iter_elements(published["elements"]) for n in e["footnotes"]]
    assert expected_notes and list(notes.values()) == expected_notes
    annex = revision_annex(bms7, zero)
    elements = [e for e, _d in iter_elements(published["elements"])]
    assert len(annex) == len(elements) + 1 + bool(published["document"].get("preamble"))
    for element, text in zip(elements, annex[-len(elements) :], strict=True):
        assert element["text"] in text
        assert text.startswith(f"{element['label']}\t" if element["label"] else element["text"])
    assert "[" in "".join(annex)  # brackets as text


def test_the_same_revision_gives_the_same_bytes_dated_at_its_issue(bms7, zero):
    import zipfile

    first = revision_docx(bms7, zero)
    assert revision_docx(bms7, zero) == first
    assert redline_docx(bms7, edited(zero), zero) == redline_docx(bms7, edited(zero), zero)
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {entry.date_time for entry in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.namelist()[0] == "[Content_Types].xml"
        assert "word/footnotes.xml" in archive.namelist()
    properties = docx.Document(io.BytesIO(first)).core_properties
    assert properties.created == zero.issued_at.replace(microsecond=0)
    assert properties.modified == properties.created


def test_accepting_every_change_gives_the_newer_revision_and_rejecting_the_older(bms7, zero):
    rev1 = edited(zero)
    content = redline_docx(bms7, rev1, zero)
    notes = docx_text.footnotes(content)
    tracked = docx_text.body(content)
    accepted = docx_text.annex_texts(docx_text.settle(tracked, accept=True), notes)
    rejected = docx_text.annex_texts(docx_text.settle(tracked, accept=False), notes)
    assert accepted == revision_annex(bms7, rev1)
    assert rejected == revision_annex(bms7, zero)
    assert accepted != rejected
    assert docx_text.change_authors(content) == {CHAIRS_OFFICE}


def test_the_redline_marks_moves_deleted_paragraphs_and_status_notes(bms7, zero):
    content = redline_docx(bms7, edited(zero), zero)
    xml = docx_text.parts(content)["word/document.xml"].decode()
    assert xml.count("<w:moveFromRangeStart") == xml.count("<w:moveToRangeStart") >= 1
    assert 'w:date="2021-07-20T14:00:00Z"' in xml
    document = docx_text.body(content)
    w = docx_text.W
    deleted_marks = document.findall(f".//{w}p/{w}pPr/{w}rPr/{w}del")
    inserted_marks = document.findall(f".//{w}p/{w}pPr/{w}rPr/{w}ins")
    assert deleted_marks and inserted_marks
    assert len(document.findall(f".//{w}pPr/{w}pPrChange")) == 1  # the status change
    assert "(agreed ad ref.)" in "".join(
        t.text for t in document.iter(f"{w}t") if t.getparent().getparent().tag == f"{w}ins"
    )


def test_a_redline_against_nothing_inserts_everything(bms7, zero):
    content = redline_docx(bms7, zero, None)
    notes = docx_text.footnotes(content)
    tracked = docx_text.body(content)
    assert docx_text.annex_texts(docx_text.settle(tracked, accept=True), notes) == (
        revision_annex(bms7, zero)
    )
    assert docx_text.annex_texts(docx_text.settle(tracked, accept=False), notes) == []


def test_the_compilation_docx_makes_each_delegation_an_author(bms7, zero, open_round):
    """Each proposal is a tracked change authored by its delegation ("Kenya on behalf of the
    African Group"); two on one element are alternatives; rationale and marks are comments;
    a draft is never listed."""
    import uuid

    from drafting.exports.docx_export import compilation_docx, compilation_rows
    from drafting.models import Delegation, Element
    from drafting.services.marks import mark_set
    from drafting.services.proposals import ProposalContent, proposal_create
    from tests.factories import delegate_of, designate_coordinator

    theme = Element.objects.get(text="Effective control over SALW")
    other = Element.objects.get(text="Regional best practices")
    designate_coordinator(bms7, "african-group", "ken")

    def propose(code, element, text, *, submit=True, **extra):
        return proposal_create(
            user=delegate_of(code),
            element=element,
            idempotency_key=uuid.uuid4(),
            submit=submit,
            content=ProposalContent(kind="amend", proposed_text=text, **extra),
        )

    kenya = propose(
        "ken",
        theme,
        "Effective [and accountable] control over SALW",
        rationale="Accountability matters.",
        on_behalf_of=Delegation.objects.get(code="african-group"),
    )
    propose("eu", theme, "Effective national control over SALW")
    propose("jpn", other, "Regional good practices")
    propose("mex", other, "A draft nobody else sees", submit=False)
    mark_set(user=delegate_of("mex"), proposal=kenya, stance="support")
    content = compilation_docx(bms7, zero, compilation_rows(zero), zero.issued_at)
    assert docx_text.change_authors(content) == {
        "Kenya on behalf of the African Group",
        "European Union",
        "Japan",
    }
    document = docx.Document(io.BytesIO(content))
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("Alternative 1: Kenya on behalf of the African Group") for t in texts)
    assert any(t.startswith("Alternative 2: European Union") for t in texts)
    assert not any("Alternative" in t and "Japan" in t for t in texts)
    assert "A draft nobody else sees" not in docx_text.parts(content)["word/document.xml"].decode()
    comments = docx_text.parts(content)["word/comments.xml"].decode()
    assert "Rationale: Accountability matters." in comments
    assert "Supported by: Mexico." in comments
    assert 'w:author="Kenya on behalf of the African Group"' in comments
    accepted = docx_text.settle(docx_text.body(content), accept=True)
    proposal_texts = [
        docx_text.paragraph_text(p, {})
        for p in accepted.iter(f"{docx_text.W}p")
        if p.find(f"{docx_text.W}pPr/{docx_text.W}pStyle").get(f"{docx_text.W}val") == "UNProposal"
    ]
    assert proposal_texts == [
        "Effective [and accountable] control over SALW",
        "Effective national control over SALW",
        "Regional good practices",
    ]
