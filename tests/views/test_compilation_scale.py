"""The compilation that scales (#18.5, #18.7): only elements with proposals by default,
filters by round, base revision and stance, decided proposals folded, decisions in place
with htmx, the chair's tools on the working draft, and the live refresh's hooks."""

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from drafting.models import ConsultationRound, Element, Proposal, ProposalStatus
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(open_round_of_the_module):
    """Round 1, opened once for this module's tests (tests/conftest.py)."""
    return open_round_of_the_module


THEME = "Cooperation between exporting and importing states"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _submit(code, element, text):
    return proposal_create(
        user=delegate_of(code),
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


def _page(client, **filters) -> str:
    response = client.get(reverse("compilation", args=["bms7"]), filters)
    assert response.status_code == 200
    return response.text


def _sections(html: str) -> int:
    return len(re.findall(r'<section class="compiled ', html))


def test_only_elements_with_proposals_by_default_and_all_on_request(client, theme, round_1):
    _submit("mex", theme, f"Enhanced {THEME.lower()}")
    client.force_login(chairs_office())
    assert _sections(_page(client)) == 1
    everything = _page(client, show="all")
    assert _sections(everything) == Element.objects.filter(document=theme.document).count()
    assert 'name="show" value="all" checked' in everything


def test_filters_by_stance_round_and_base_revision(client, bms7, theme, round_1):
    supported = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    opposed = _submit("jpn", theme, "Cooperation between exporting and importing States")
    mark_set(user=delegate_of("can"), proposal=supported, stance="support")
    mark_set(user=delegate_of("can"), proposal=opposed, stance="oppose")
    client.force_login(chairs_office())

    html = _page(client, stance="support")
    assert str(supported.public_id) in html and str(opposed.public_id) not in html
    html = _page(client, stance="oppose")
    assert str(opposed.public_id) in html and str(supported.public_id) not in html

    assert str(supported.public_id) in _page(client, round=round_1.pk)
    other = ConsultationRound.objects.create(
        document=bms7.document,
        name="Later round",
        opens_at=timezone.now() + timedelta(days=2),
        deadline=timezone.now() + timedelta(days=3),
        created_by=chairs_office(),
    )
    html = _page(client, round=other.pk)
    assert "No proposal matches these filters." in html and "Later round" in html

    base = supported.base_revision
    assert str(supported.public_id) in _page(client, revision=base.number)
    assert "No proposal matches these filters." in _page(client, revision=base.number + 1)
    # Nonsense is no filter, and never an error.
    assert str(supported.public_id) in _page(client, stance="bribe", round="x", revision="-")


def test_decided_proposals_are_folded_and_named(client, theme, round_1):
    chair = chairs_office()
    decided = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    proposal_reject(user=chair, proposal=decided)
    open_one = _submit("jpn", theme, "Cooperation between exporting and importing States")
    client.force_login(chair)
    html = _page(client)
    folded = re.search(
        rf'id="p-{decided.public_id}"><details class="decided">(.*?)</details>', html
    )
    assert folded and "<summary>Mexico&#x27;s proposal, rejected" in folded.group(1)
    assert f'id="p-{open_one.public_id}"><p class="who">' in html


def test_a_decision_by_htmx_answers_with_its_card_and_message(client, theme, round_1):
    proposal = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    client.force_login(chairs_office())
    back = reverse("compilation", args=["bms7"]) + "?status=submitted"
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {
            "proposal": proposal.public_id,
            "version": proposal.version,
            "action": "accept",
            "idempotency_key": uuid.uuid4(),
            "back": back + f"#e-{theme.pk}",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.text
    assert f'<li class="compiled-proposal" id="p-{proposal.public_id}">' in html
    # The element's line above comes along with its accepted text and no open count.
    line = re.search(
        rf'<p class="compiled-text" id="t-{theme.pk}" data-hx-swap-oob="true">.*?</p>', html
    )
    assert line and f"Enhanced {THEME.lower()}" in line.group(0)
    assert "open-count" not in line.group(0)
    assert (
        'Undo the decision<span class="visually-hidden"> on the proposal of Mexico</span>' in html
    )
    assert '<p class="decision-message" tabindex="-1">Accepted.</p>' in html
    assert '<div id="decision-status" data-hx-swap-oob="innerHTML">Accepted.</div>' in html
    # The card now offers to undo, and its form goes back to the filtered compilation.
    assert 'value="undo"' in html and f'name="back" value="{back}#e-{theme.pk}"' in html
    assert "<html" not in html
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    # Nothing waits for the next page: the message was given in place.
    assert "Accepted." not in _page(client).split('id="compilation-rows"')[0]

    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "action": "undo", "idempotency_key": uuid.uuid4()},
        headers={"HX-Request": "true"},
    )
    assert "Decision undone" in response.text and 'value="accept"' in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED


def test_a_decision_without_javascript_still_redirects_with_its_message(client, theme, round_1):
    proposal = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    client.force_login(chairs_office())
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {
            "proposal": proposal.public_id,
            "version": proposal.version,
            "action": "reject",
            "idempotency_key": uuid.uuid4(),
        },
        follow=True,
    )
    # The page opens at the card, the message beside it (not at the top, off-screen).
    assert response.redirect_chain[-1][0].endswith(f"#p-{proposal.public_id}")
    card = re.search(
        rf'<li class="compiled-proposal" id="p-{proposal.public_id}">.*?</li>', response.text, re.S
    )
    assert (
        card
        and '<p class="decision-message" tabindex="-1" role="status">Rejected.</p>' in card.group(0)
    )
    assert response.text.count("Rejected.") == 1
    # Said once: the next view has no message.
    assert "decision-message" not in _page(client)


def test_a_message_for_a_card_the_filters_hide_goes_to_the_top(client, theme, round_1):
    proposal = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    client.force_login(chairs_office())
    back = reverse("compilation", args=["bms7"]) + "?status=submitted"
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "version": 1, "action": "reject", "back": back},
        follow=True,
    )
    assert "decision-message" not in response.text and "Rejected." in response.text


def test_a_conflict_by_htmx_sends_the_chair_to_review_and_compose(client, theme, round_1):
    first = _submit("bra", theme, "Cooperation between producing and importing states")
    second = _submit("fra", theme, "Cooperation between supplying and importing states")
    chair = chairs_office()
    from drafting.services.decisions import proposal_accept

    proposal_accept(user=chair, proposals=[first])
    second.refresh_from_db()
    client.force_login(chair)
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": second.public_id, "version": second.version, "action": "accept"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == reverse("element_review", args=["bms7", theme.pk])


def test_a_delegate_cannot_decide_in_place(client, theme, round_1):
    proposal = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    client.force_login(delegate_of("jpn"))
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "version": proposal.version, "action": "accept"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.SUBMITTED


def test_the_compilation_polls_every_30_seconds_into_a_polite_region(client, theme, round_1):
    _submit("mex", theme, f"Enhanced {THEME.lower()}")
    client.force_login(delegate_of("jpn"))
    html = _page(client, status="submitted")
    assert 'data-hx-trigger="every 30s"' in html
    polled = reverse("compilation", args=["bms7"]) + "?status=submitted"
    assert f'data-hx-get="{polled}"' in html
    assert '<div id="live-news" class="visually-hidden" role="status" aria-live="polite">' in html
    assert 'data-live-total="1:1"' in html
    assert "The compilation was refreshed: 1 proposal shown, 1 open in the draft." in html


def test_the_chair_has_tools_on_the_working_draft_and_delegates_do_not(client, theme, round_1):
    url = reverse("working_draft", args=["bms7"])
    review = reverse("element_review", args=["bms7", theme.pk])
    client.force_login(chairs_office())
    html = client.get(url).text
    assert f'<a href="{review}">review</a>' in html
    assert f'<a href="{review}#compose">edit</a>' in html
    assert f'<a href="{review}#insert">insert after</a>' in html
    assert f'<a href="{review}#move">move</a>' in html
    # The body is cached per role: a delegate reading after the chair gets no tools.
    client.force_login(delegate_of("jpn"))
    html = client.get(url).text
    assert "chair-tools" not in html and review not in html
    assert 'data-hx-trigger="every 30s"' in html and 'data-live-total="0"' in html


def test_the_chairs_working_draft_costs_the_queries_a_delegates_does(client, theme, round_1):
    url = reverse("working_draft", args=["bms7"])

    def queries(user) -> int:
        client.force_login(user)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(chairs_office()) <= queries(delegate_of("jpn")) + 1


def test_the_filtered_compilation_does_a_fixed_number_of_queries(client, bms7, theme, round_1):
    client.force_login(chairs_office())
    filters = {"stance": "support", "round": round_1.pk, "revision": 0, "show": "all"}

    def queries() -> int:
        client.get(reverse("compilation", args=["bms7"]), filters)
        with CaptureQueriesContext(connection) as captured:
            _page(client, **filters)
        return len(captured)

    first = _submit("arg", theme, f"{THEME} [x]")
    mark_set(user=delegate_of("can"), proposal=first, stance="support")
    few = queries()
    codes = ["mex", "bra", "fra", "deu", "ind", "nga"]
    for index, element in enumerate(Element.objects.filter(kind="theme")[1:13]):
        proposal = _submit(codes[index % 6], element, f"{element.text} [option {index}]")
        mark_set(user=delegate_of("can"), proposal=proposal, stance="support")
    assert queries() == few
    assert _page(client, **filters).count('class="compiled-proposal"') == 13
