"""The compilation keeps its context (#18.1, #18.5): the elements with proposals appear under
the headings of what they sit in (agenda item, section, the theme of a sub-theme), once each,
in reading order, at no query more; filters still narrow it."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting.models import Element, ProposalStatus
from drafting.services.decisions import (
    decision_undo,
    proposal_accept,
    proposal_defer,
    proposal_reject,
)
from drafting.services.proposals import ProposalContent, proposal_create, proposal_withdraw
from drafting.services.replies import decision_reply
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(open_round_of_the_module):
    """Round 1, opened once for this module's tests (tests/conftest.py)."""
    return open_round_of_the_module


THEME = "Cooperation between exporting and importing states"
SECTION = "Preventing and combating the diversion and the illicit international transfer"
SUBTHEME = "Impact of the illicit trade in SALW"
PARENT_THEME = "PoA in the context of conflict and post-conflict settings"


def _submit(code, element, text, kind="amend"):
    return proposal_create(
        user=delegate_of(code),
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind=kind, proposed_text=text),
    )


def _page(client, **filters) -> str:
    response = client.get(reverse("compilation", args=["bms7"]), filters)
    assert response.status_code == 200
    return response.text


def _headings(html: str) -> list[str]:
    """The ids of the context rows (headings only), in the order of the page."""
    return re.findall(r'<div class="compiled compiled-context depth-\d" id="e-(\d+)">', html)


def _element(text: str) -> Element:
    return Element.objects.get(text__startswith=text)


def test_rows_sit_under_the_headings_of_what_they_are_in(client, round_1):
    theme, subtheme = _element(THEME), _element(SUBTHEME)
    section, item = theme.parent, theme.parent.parent
    parent_theme = subtheme.parent
    first = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    second = _submit("jpn", theme, f"{THEME} and transit states")
    on_sub = _submit("bra", subtheme, f"{SUBTHEME} on women")
    client.force_login(chairs_office())
    html = _page(client)

    # The agenda item, section d) and the theme of the sub-theme, then section e): once
    # each, in reading order.
    ids = [item.pk, parent_theme.parent_id, parent_theme.pk, section.pk]
    assert _headings(html) == [str(pk) for pk in ids]
    order = [
        html.index(f'id="e-{item.pk}"'),
        html.index(f'id="e-{parent_theme.parent_id}"'),
        html.index(f'id="e-{parent_theme.pk}"'),
        html.index(f'id="p-{on_sub.public_id}"'),
        html.index(f'id="e-{section.pk}"'),
        html.index(f'id="p-{first.public_id}"'),
        html.index(f'id="p-{second.public_id}"'),
    ]
    assert order == sorted(order)
    heading = re.search(rf'id="e-{section.pk}">(.*?)</div>', html).group(1)
    assert '<span class="label">e)</span> Preventing and combating' in heading
    # A heading only: no proposals, no open count, no review tool of its own.
    assert "open-count" not in heading and "review-link" not in heading
    # The parent of a sub-theme by its opening words, not its whole text.
    parent = re.search(rf'id="e-{parent_theme.pk}">(.*?)</div>', html).group(1)
    assert "PoA in the context of conflict" in parent
    # Only the rows with proposals are whole sections.
    assert len(re.findall(r'<section class="compiled ', html)) == 2


def test_filters_narrow_the_headings_too(client, round_1):
    theme, subtheme = _element(THEME), _element(SUBTHEME)
    _submit("mex", theme, f"Enhanced {THEME.lower()}")
    on_sub = _submit("bra", subtheme, f"{SUBTHEME} on women")
    client.force_login(chairs_office())

    html = _page(client, delegation="bra")
    parent = subtheme.parent
    ids = [parent.parent.parent_id, parent.parent_id, parent.pk]
    assert _headings(html) == [str(pk) for pk in ids]
    assert str(on_sub.public_id) in html
    # The agenda item's filter keeps its own headings.
    html = _page(client, item=theme.parent.parent.pk)
    assert len(_headings(html)) == 4
    # Everything asked for: the whole draft, no heading-only rows.
    assert _headings(_page(client, show="all")) == []
    assert "No proposal matches these filters." in _page(client, delegation="fra")
    assert _headings(_page(client, delegation="fra")) == []


def test_the_headings_cost_no_query(client, round_1):
    """The headings come from the working draft's view, already read for the page."""
    client.force_login(chairs_office())

    def queries(**filters) -> int:
        _page(client, **filters)
        with CaptureQueriesContext(connection) as captured:
            _page(client, **filters)
        return len(captured)

    _submit("arg", _element(THEME), f"{THEME} [x]")
    whole = queries(show="all")
    few = queries()
    assert few == whole
    codes = ["mex", "bra", "fra", "deu", "ind", "nga"]
    themes = Element.objects.filter(kind="theme").exclude(text="")
    for index, element in enumerate(themes[:12]):
        _submit(codes[index % 6], element, f"{element.text} [option {index}]")
    _submit("jpn", _element(SUBTHEME), f"{SUBTHEME} [y]")
    html = _page(client)
    assert len(_headings(html)) >= 4
    assert queries() == few


# A delegation's reply to the chair's note, under the decision (#18.3)

HOSTILE = 'We <script>alert("x")</script> <b>object</b> & "disagree".'


def _rejected_with_reply(theme, text=HOSTILE):
    proposal = _submit("jpn", theme, f"{THEME} [and transit states]")
    proposal_reject(user=chairs_office(), proposal=proposal, note="Overlaps <e>.")
    proposal.refresh_from_db()
    decision_reply(user=delegate_of("jpn"), proposal=proposal, text=text)
    return proposal


def test_the_reply_shows_under_the_decision_attributed_and_escaped(client, round_1):
    proposal = _rejected_with_reply(_element(THEME))
    for user in (delegate_of("ind"), chairs_office()):
        client.force_login(user)
        html = _page(client)
        card = re.search(rf'id="p-{proposal.public_id}">(.*?)</li>', html, re.S).group(1)
        assert "The chair&#x27;s note: Overlaps &lt;e&gt;." in card
        assert (
            '<p class="reply-to-note">The reply of Japan: We &lt;script&gt;alert(&quot;x&quot;)'
            "&lt;/script&gt; &lt;b&gt;object&lt;/b&gt; &amp; &quot;disagree&quot;.</p>"
        ) in card
        assert "<script>alert" not in html and "<b>object" not in html


def test_the_reply_versions_the_cached_card(client, round_1):
    """A card cached before the reply is not shown without it."""
    theme = _element(THEME)
    proposal = _submit("jpn", theme, f"{THEME} [and transit states]")
    proposal_reject(user=chairs_office(), proposal=proposal, note="See paragraph 3.")
    proposal.refresh_from_db()
    client.force_login(delegate_of("ind"))
    assert "reply-to-note" not in _page(client)
    decision_reply(user=delegate_of("jpn"), proposal=proposal, text="Paragraph 3 is narrower.")
    assert "The reply of Japan: Paragraph 3 is narrower." in _page(client)


def test_an_undone_then_withdrawn_proposal_shows_no_reply(client, round_1):
    proposal = _rejected_with_reply(_element(THEME), text="Our instructions say otherwise.")
    decision_undo(user=chairs_office(), proposal=proposal)
    proposal.refresh_from_db()
    client.force_login(delegate_of("ind"))
    html = _page(client)
    assert str(proposal.public_id) in html and "Our instructions" not in html
    proposal_withdraw(user=delegate_of("jpn"), proposal=proposal)
    html = _page(client)
    assert str(proposal.public_id) in html and "Our instructions" not in html
    assert "Our instructions" not in _page(client, status="withdrawn")
    # A draft of another delegation on the element is not in the compilation at all.
    draft = proposal_create(
        user=delegate_of("mex"),
        element=_element(THEME),
        idempotency_key=uuid.uuid4(),
        submit=False,
        content=ProposalContent(kind="amend", proposed_text="Secret wording of Mexico"),
    )
    html = _page(client, show="all")
    assert str(draft.public_id) not in html and "Secret wording" not in html


def test_a_reply_to_a_decision_since_undone_is_not_shown_under_the_one_restored(client, round_1):
    """Deferred, then accepted, the acceptance replied to, then undone: the proposal stands
    deferred again, and the reply to the acceptance went with it (a reply made to the
    deferral, before a later decision, is still shown, as to the earlier note)."""
    theme = _element(THEME)
    proposal = _submit("jpn", theme, f"{THEME} [and transit states]")
    proposal_defer(user=chairs_office(), proposal=proposal, note="After the informals.")
    proposal.refresh_from_db()
    proposal_accept(user=chairs_office(), proposals=[proposal], note="Taken in whole.")
    proposal.refresh_from_db()
    decision_reply(user=delegate_of("jpn"), proposal=proposal, text="Our thanks for taking it.")
    client.force_login(delegate_of("ind"))
    assert "Our thanks for taking it." in _page(client)
    decision_undo(user=chairs_office(), proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DEFERRED
    for user in (delegate_of("ind"), chairs_office()):
        client.force_login(user)
        html = _page(client)
        assert str(proposal.public_id) in html and "Our thanks" not in html
        detail = client.get(reverse("proposal_detail", args=["bms7", proposal.public_id]))
        assert "After the informals." in detail.text and "Our thanks" not in detail.text

    other = _submit("mex", _element(SUBTHEME), f"{SUBTHEME} [y]")
    proposal_defer(user=chairs_office(), proposal=other, note="After the informals.")
    other.refresh_from_db()
    decision_reply(user=delegate_of("mex"), proposal=other, text="We can wait.")
    proposal_accept(user=chairs_office(), proposals=[other], note="Taken in.")
    assert "We can wait." in _page(client)


# Places on review and compose (#18.1)


def test_review_and_compose_says_where_the_element_and_each_proposal_sit(client, round_1):
    theme = _element(THEME)
    first = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    _submit("jpn", theme, f"{THEME} and transit states")
    client.force_login(chairs_office())
    html = client.get(reverse("element_review", args=["bms7", theme.pk])).text
    where = "Agenda item 1, section e), theme: Cooperation between exporting and importing states"
    # Once for the page, once on each card.
    assert html.count(f'<p class="place">{where}</p>') == 3
    card = re.search(rf'id="card-{first.public_id}">.*?</article>', html, re.S).group(0)
    assert where in card
