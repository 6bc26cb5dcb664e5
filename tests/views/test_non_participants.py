"""A delegation that does not take part in a meeting reads only what the public reads there:
its issued revisions. The working draft, its history, the proposals submitted on it, the
compilation, the rounds and the search over drafts are the participants' (and the chair's
office's and the secretariat's)."""

import uuid

import pytest
from django.urls import reverse

from drafting.models import Delegation, Element, Participation
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of, secretariat

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
WORDS = "Effective [and verifiable] control over SALW"


@pytest.fixture
def kenyas_proposal(bms7, open_round):
    return proposal_create(
        user=delegate_of("ken"),
        element=Element.objects.get(text=THEME),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=WORDS),
    )


@pytest.fixture
def outsider(bms7):
    """A delegate of Japan, after Japan was taken off the meeting's participants."""
    user = delegate_of("jpn")
    Participation.objects.filter(
        meeting=bms7, delegation=Delegation.objects.get(code="jpn")
    ).delete()
    return user


def _pages(proposal):
    theme = proposal.element
    return {
        "working draft": reverse("working_draft", args=["bms7"]),
        "element history": reverse("element_history", args=["bms7", theme.pk]),
        "proposals on an element": reverse("element_proposals", args=["bms7", theme.pk]),
        "proposal": reverse("proposal_detail", args=["bms7", proposal.public_id]),
        "compilation": reverse("compilation", args=["bms7"]),
        "rounds": reverse("rounds", args=["bms7"]),
        "compare with the working draft": reverse("compare", args=["bms7"]) + "?from=0&to=draft",
        "desk": reverse("desk", args=["bms7"]),
    }


def test_a_delegate_of_a_non_participant_reads_only_issued_revisions(
    client, outsider, kenyas_proposal
):
    client.force_login(outsider)
    for name, url in _pages(kenyas_proposal).items():
        response = client.get(url)
        assert response.status_code in (403, 404), f"{name}: {response.status_code}"
        assert "verifiable" not in response.text, name
    revision = client.get(reverse("revision_detail", args=["bms7", 0]))
    assert revision.status_code == 200
    assert THEME in revision.text
    found = client.get(reverse("search", args=["bms7"]), {"q": "verifiable"})
    assert found.status_code == 200
    assert kenyas_proposal.public_id.hex not in found.text.replace("-", "")
    assert "proposals/" not in found.text


@pytest.mark.parametrize("who", ["participant", "chair", "secretariat"])
def test_participants_the_chair_and_the_secretariat_still_read_them(client, who, kenyas_proposal):
    user = {
        "participant": lambda: delegate_of("mex"),
        "chair": chairs_office,
        "secretariat": secretariat,
    }[who]()
    client.force_login(user)
    pages = _pages(kenyas_proposal)
    del pages["desk"]  # the secretariat has no desk of its own here (it is sent home)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, f"{who}, {name}: {response.status_code}"
    assert "verifiable" in client.get(pages["proposal"]).text


def test_the_outsider_is_offered_no_link_to_what_it_may_not_read(client, outsider):
    """Home and the meeting's navigation lead a non-participant to its issued revisions,
    not to pages that refuse it; a participant keeps its links."""
    refused = [
        reverse(name, args=["bms7"])
        for name in ("working_draft", "compilation", "rounds", "desk", "delegation_page")
    ]
    client.force_login(outsider)
    for url in (reverse("home"), reverse("revision_list", args=["bms7"])):
        html = client.get(url).text
        assert reverse("revision_list", args=["bms7"]) in html
        assert [link for link in refused if f'href="{link}"' in html] == [], url
    client.force_login(delegate_of("mex"))
    html = client.get(reverse("revision_list", args=["bms7"])).text
    assert [link for link in refused if f'href="{link}"' not in html] == []
    assert f'href="{reverse("working_draft", args=["bms7"])}"' in client.get(reverse("home")).text
