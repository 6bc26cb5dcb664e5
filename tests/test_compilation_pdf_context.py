"""The compilation PDF says where each proposal sits (#18.1), under the headings of what it
sits in, and shows the proposing delegation's reply to the chair's note under the decision
(#18.3), escaped, and only while the decision stands."""

import uuid

import pytest

from drafting.exports.pdfs import compilation_html, render_pdf
from drafting.models import Element, Revision
from drafting.selectors.compilation import compilation_content_key
from drafting.services.decisions import decision_undo, proposal_reject
from drafting.services.proposals import ProposalContent, proposal_create, proposal_withdraw
from drafting.services.replies import decision_reply
from tests.factories import chairs_office, delegate_of
from tests.pdf_text import flat, pdf_text

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"
SUBTHEME = "Impact of the illicit trade in SALW"
HOSTILE = 'We <script>alert("x")</script> <b>object</b> & "disagree".'


def _submit(code, text, element_text):
    return proposal_create(
        user=delegate_of(code),
        element=Element.objects.get(text__startswith=element_text),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


@pytest.fixture
def zero(bms7):
    return Revision.objects.get(document=bms7.document, number=0)


def test_each_proposal_says_where_it_sits_and_the_reply_under_its_decision(bms7, zero, round_1):
    japans = _submit("jpn", f"{THEME} [and transit states]", THEME)
    _submit("bra", f"{SUBTHEME} on women", SUBTHEME)
    proposal_reject(user=chairs_office(), proposal=japans, note="Overlaps paragraph 3.")
    japans.refresh_from_db()
    before = compilation_content_key(zero)
    decision_reply(user=delegate_of("jpn"), proposal=japans, text=HOSTILE)
    # A stored compilation PDF is keyed by what it shows: the reply makes it another.
    assert compilation_content_key(zero) != before

    html = compilation_html(bms7, zero)
    assert "<script>alert" not in html and "<b>object" not in html
    text = flat(pdf_text(render_pdf(bms7, zero, "compilation").content))
    assert "Agenda item 1, section e), theme: Cooperation between exporting and importing" in text
    assert "Agenda item 1, section d), sub-theme: Impact of the illicit trade in SALW" in text
    # The headings of what the proposals sit in, once each.
    assert text.count("e) Preventing and combating the diversion") == 1
    assert "The chair’s note: Overlaps paragraph 3." in text
    assert f"The reply of Japan: {HOSTILE}" in text


def test_no_reply_once_the_decision_is_undone(bms7, zero, round_1):
    japans = _submit("jpn", f"{THEME} [and transit states]", THEME)
    proposal_reject(user=chairs_office(), proposal=japans, note="Overlaps paragraph 3.")
    japans.refresh_from_db()
    decision_reply(user=delegate_of("jpn"), proposal=japans, text="Our instructions differ.")
    assert "Our instructions differ." in compilation_html(bms7, zero)
    decision_undo(user=chairs_office(), proposal=japans)
    japans.refresh_from_db()
    proposal_withdraw(user=delegate_of("jpn"), proposal=japans)
    html = compilation_html(bms7, zero)
    assert "Our instructions differ." not in html and "Overlaps paragraph 3." not in html
    text = flat(pdf_text(render_pdf(bms7, zero, "compilation").content))
    assert "withdrawn" in text and "Our instructions differ." not in text
