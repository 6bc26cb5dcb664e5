"""Nobody is named without consent, through the pages: the invited delegation sees and answers
its invitation on My delegation; nothing names it before it accepts; groups are refused as
co-sponsors; only a group's designated coordinator speaks on its behalf (issue #14, point 3)."""

import uuid

import pytest
from django.urls import reverse

from drafting.exports import pdfs
from drafting.models import (
    CoSponsorInvitation,
    Delegation,
    Element,
    GroupCoordinator,
    Proposal,
    Revision,
)
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of, designate_coordinator, secretariat

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
TEXT = "Effective [and accountable] control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def people(bms7):
    return {
        "japan": delegate_of("jpn"),
        "kenya": delegate_of("ken"),
        "mexico": delegate_of("mex"),
        "chair": chairs_office(),
    }


def _ids(*codes):
    return [str(Delegation.objects.get(code=code).pk) for code in codes]


def _form(element, **overrides):
    data = {
        "kind": "amend",
        "proposed_text": TEXT,
        "base_text_seen": element.text,
        "idempotency_key": str(uuid.uuid4()),
        "action": "submit",
        "rationale": "",
    }
    data.update(overrides)
    return data


def _propose_url(element):
    return reverse("propose", args=["bms7", element.pk])


def _compilation_pdf_text(bms7):
    return pdfs.compilation_html(bms7, Revision.objects.get(document=bms7.document, number=0))


def _pages(client, people, bms7, proposal):
    """The proposal page, the compilation page (as the chair) and the compilation PDF's HTML."""
    client.force_login(people["chair"])
    detail = client.get(reverse("proposal_detail", args=["bms7", proposal.public_id])).text
    compilation = client.get(reverse("compilation", args=["bms7"])).text
    return detail, compilation, _compilation_pdf_text(bms7)


def test_today_co_sponsors_named_by_japan_are_invited_not_shown(
    client, people, theme, bms7, round_1
):
    """Today, Japan named Kenya, the EU and Mexico and all three were shown at once; Kenya was
    not told, its page did not list the proposal, and it could not remove itself.

    Now the EU (an organization) is refused; Kenya and Mexico are invited, shown nowhere until
    they accept; Kenya finds the invitation on My delegation, accepts, and withdraws."""
    client.force_login(people["japan"])
    refused = client.post(_propose_url(theme), _form(theme, co_sponsors=_ids("ken", "eu", "mex")))
    assert refused.status_code == 422
    assert "EU: groups of States and organizations cannot co-sponsor" in refused.text
    assert TEXT in refused.text  # what was typed is kept
    assert not Proposal.objects.exists()

    sent = client.post(_propose_url(theme), _form(theme, co_sponsors=_ids("ken", "mex")))
    assert sent.status_code == 302
    proposal = Proposal.objects.get()
    own_page = client.get(reverse("delegation_page", args=["bms7"])).text
    assert "invited to co-sponsor, no answer yet: Kenya, Mexico" in own_page
    assert "co-sponsored by" not in own_page
    detail, compilation, pdf_text = _pages(client, people, bms7, proposal)
    assert "Kenya" not in detail and "Mexico" not in detail
    assert "co-sponsored by" not in compilation and "co-sponsored by" not in pdf_text

    client.force_login(people["kenya"])
    page = client.get(reverse("delegation_page", args=["bms7"])).text
    assert str(proposal.public_id) in page
    assert "invites your delegation to co-sponsor" in page  # the notification
    assert 'value="accept"' in page and 'value="decline"' in page
    accepted = client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "accept", "next": "delegation"},
    )
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("delegation_page", args=["bms7"])

    detail, compilation, pdf_text = _pages(client, people, bms7, proposal)
    client.force_login(people["japan"])
    own_page = client.get(reverse("delegation_page", args=["bms7"])).text
    assert "co-sponsored by Kenya" in own_page
    assert "no answer yet: Mexico" in own_page
    assert "<dt>Co-sponsors</dt><dd>Kenya</dd>" in detail
    assert "co-sponsored by Kenya" in compilation and "Mexico" not in compilation
    assert "co-sponsored by Kenya" in pdf_text and "Mexico" not in pdf_text

    client.force_login(people["kenya"])
    assert 'value="withdraw"' in client.get(reverse("delegation_page", args=["bms7"])).text
    client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "withdraw"},
    )
    detail, compilation, pdf_text = _pages(client, people, bms7, proposal)
    # No longer named as co-sponsor; the versions table keeps that it was, and who withdrew.
    assert "<dt>Co-sponsors</dt>" not in detail and "co-sponsored by" not in compilation
    assert "co-sponsored by" not in pdf_text
    assert "Co-sponsorship withdrawn by Kenya" in detail


def test_today_groups_named_as_co_sponsors_are_refused(client, people, theme, round_1):
    """Today, Japan named the African Group, NAM and the Arab Group as co-sponsors and the
    proposal was accepted. Now the form does not offer groups, and refuses them by name."""
    client.force_login(people["japan"])
    form = client.get(_propose_url(theme)).text
    for group in Delegation.objects.filter(kind__in=["group", "igo"]):
        assert f'<option value="{group.pk}"' not in form
    response = client.post(
        _propose_url(theme),
        _form(theme, co_sponsors=_ids("african-group", "non-aligned-movement", "arab-group")),
    )
    assert response.status_code == 422
    assert (
        "African Group, Arab Group, NAM: groups of States and organizations cannot co-sponsor"
        in response.text
    )
    assert not Proposal.objects.exists()


def test_on_behalf_of_is_offered_for_the_groups_the_delegation_coordinates(
    client, people, theme, bms7, round_1
):
    """Kenya is a member of the African Group: the form offers to speak for it only once the
    secretariat designated Kenya, and a group posted anyway is refused."""
    african = Delegation.objects.get(code="african-group")
    client.force_login(people["kenya"])
    assert f'<option value="{african.pk}"' not in client.get(_propose_url(theme)).text
    refused = client.post(_propose_url(theme), _form(theme, on_behalf_of=str(african.pk)))
    assert refused.status_code == 422 and not Proposal.objects.exists()

    designate_coordinator(bms7, "african-group", "ken")
    assert f'<option value="{african.pk}"' in client.get(_propose_url(theme)).text
    made = client.post(_propose_url(theme), _form(theme, on_behalf_of=str(african.pk)))
    assert made.status_code == 302
    assert Proposal.objects.get().on_behalf_of == african


@pytest.mark.parametrize("who", ["mexico", "japan", "chair"])
def test_only_the_invited_delegation_acts_on_its_invitation(client, people, theme, round_1, who):
    """Mexico (not invited), Japan (the proposer) and the chair's office are refused (403);
    Kenya's invitation stays as it was."""
    proposal = proposal_create(
        user=people["japan"],
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(
            kind="amend", proposed_text=TEXT, co_sponsors=[Delegation.objects.get(code="ken")]
        ),
    )
    client.force_login(people[who])
    url = reverse("proposal_cosponsorship", args=["bms7", proposal.public_id])
    for action in ("accept", "decline", "withdraw"):
        assert client.post(url, {"action": action}).status_code == 403
    assert CoSponsorInvitation.objects.get().status == "invited"
    assert not proposal.co_sponsors.exists()


def test_the_invited_delegation_declines_on_the_proposal_page(client, people, theme, round_1):
    proposal = proposal_create(
        user=people["japan"],
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(
            kind="amend", proposed_text=TEXT, co_sponsors=[Delegation.objects.get(code="ken")]
        ),
    )
    client.force_login(people["kenya"])
    url = reverse("proposal_detail", args=["bms7", proposal.public_id])
    assert "Japan invites your delegation to co-sponsor this proposal" in client.get(url).text
    answer = reverse("proposal_cosponsorship", args=["bms7", proposal.public_id])
    assert client.post(answer, {"action": "decline"})["Location"] == url
    assert CoSponsorInvitation.objects.get().status == "declined"
    assert client.post(answer, {"action": "nonsense"}).status_code == 404
    # The proposing delegation sees where each name it gave stands.
    client.force_login(people["japan"])
    assert "Kenya: declined" in client.get(url).text


def test_the_secretariat_designates_a_coordinator_in_the_admin_with_history(client, bms7):
    """The secretariat adds the designation in the admin (recorded in the history); a State
    that is not a member of the group is refused."""
    clerk = secretariat()
    client.force_login(clerk)
    url = reverse("admin:drafting_groupcoordinator_add")
    group = Delegation.objects.get(code="african-group")

    def post(code):
        return client.post(
            url,
            {
                "meeting": bms7.pk,
                "group": group.pk,
                "delegation": Delegation.objects.get(code=code).pk,
            },
        )

    assert post("jpn").status_code == 200  # the form again, with the error
    assert not GroupCoordinator.objects.exists()
    assert post("ken").status_code == 302
    coordinator = GroupCoordinator.objects.get()
    assert (coordinator.group, coordinator.delegation.code) == (group, "ken")
    assert coordinator.history.get().history_user == clerk
