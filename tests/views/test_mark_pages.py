"""Support is given to a text, not to whatever it becomes (issue #14, point 2), and the
deadline binds marks but not withdrawals (point 6), as delegations and the chair see it.

Built with services that existed before the fix, so the module runs (and fails) against the
old code.
"""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting.models import Element, Proposal, ProposalMark
from drafting.services.decisions import proposal_accept
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create, proposal_revise
from tests.factories import chairs_office, delegate_of
from tests.pdf_text import exported_pdf, flat, pdf_text

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
NOTE = "<b>We can live with it</b>"


@pytest.fixture
def supported(bms7, open_round):
    """Japan's proposal, supported by India (with a note) and Mexico."""
    japan, india, mexico = delegate_of("jpn"), delegate_of("ind"), delegate_of("mex")
    proposal = proposal_create(
        user=japan,
        element=Element.objects.get(text=THEME),
        content=ProposalContent(kind="amend", proposed_text="Effective control over [all] SALW"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    mark_set(user=india, proposal=proposal, stance="support", note=NOTE)
    mark_set(user=mexico, proposal=proposal, stance="support")
    return bms7, proposal, {"japan": japan, "india": india, "mexico": mexico}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client, meeting, proposal) -> str:
    return client.get(reverse("proposal_detail", args=[meeting.slug, proposal.public_id])).content


def _revise_to_the_opposite(japan, proposal) -> None:
    proposal.refresh_from_db()
    proposal_revise(
        user=japan,
        proposal=proposal,
        content=ProposalContent(kind="amend", proposed_text="No control over SALW"),
        expected_version=proposal.version,
    )


def test_notes_are_shown_escaped_with_the_marks(supported):
    """The note India gave with its support is shown beside it, escaped, on the proposal page,
    in the compilation and in the compilation PDF."""
    meeting, proposal, _people = supported
    chair = _client(chairs_office())
    shown = "India (“&lt;b&gt;We can live with it&lt;/b&gt;”), Mexico"
    assert shown in _page(chair, meeting, proposal).decode()
    assert shown in chair.get(reverse("compilation", args=[meeting.slug])).content.decode()
    assert NOTE not in chair.get(reverse("compilation", args=[meeting.slug])).content.decode()
    pdf = exported_pdf(chair, reverse("revision_pdf_kind", args=[meeting.slug, 0, "compilation"]))
    assert "Supported by: India (“<b>We can live with it</b>”), Mexico" in flat(pdf_text(pdf))


def test_support_given_to_an_earlier_version_is_not_shown_as_current(supported):
    """Japan revises its proposal to the opposite meaning: the page and the compilation no
    longer say "Supported by: India, Mexico", and both delegations are told."""
    meeting, proposal, people = supported
    _revise_to_the_opposite(people["japan"], proposal)
    chair = _client(chairs_office())
    page = _page(chair, meeting, proposal).decode()
    compilation = chair.get(reverse("compilation", args=[meeting.slug])).content.decode()
    for shown in (page, compilation):
        assert "Supported by: India" not in shown
        assert "India: support, given to version 1" in shown
    assert "0 delegations support" in page
    for name in ("india", "mexico"):
        news = _client(people[name]).get(reverse("delegation_page", args=[meeting.slug]))
        assert "no longer counts" in news.content.decode()


def test_a_marking_delegation_confirms_its_support_in_one_step(supported):
    meeting, proposal, people = supported
    _revise_to_the_opposite(people["japan"], proposal)
    india = _client(people["india"])
    assert "Support version 2 too" in _page(india, meeting, proposal).decode()
    compilation = reverse("compilation", args=[meeting.slug])
    assert "Supported by: India" not in india.get(compilation).content.decode()
    response = india.post(
        reverse("proposal_mark", args=[meeting.slug, proposal.public_id]), {"confirm": "1"}
    )
    assert response.status_code == 302
    mark = ProposalMark.objects.get(delegation__code="ind")
    assert (mark.stance, mark.note, mark.version) == ("support", NOTE, 2)
    page = _page(_client(chairs_office()), meeting, proposal).decode()
    assert "Supported by: India (“&lt;b&gt;We can live with it&lt;/b&gt;”)</p>" in page
    assert "Mexico: support, given to version 1" in page
    # The compilation's cached block follows the confirmation.
    assert "Supported by: India (“&lt;b&gt;We can" in india.get(compilation).content.decode()


def test_a_mark_on_a_decided_proposal_cannot_be_cleared(supported):
    """Setting a mark on an accepted proposal was refused; clearing one was not."""
    meeting, proposal, people = supported
    proposal_accept(user=chairs_office(), proposals=[Proposal.objects.get(pk=proposal.pk)])
    response = _client(people["mexico"]).post(
        reverse("proposal_mark", args=[meeting.slug, proposal.public_id]), {"clear": "1"}
    )
    assert response.status_code == 409
    assert "can no longer be changed" in response.content.decode()
    assert ProposalMark.objects.filter(delegation__code="mex").exists()


def test_after_the_deadline_marks_are_frozen_and_a_withdrawal_is_shown_as_late(
    supported, open_round
):
    meeting, proposal, people = supported
    open_round.opens_at = timezone.now() - timedelta(hours=3)
    open_round.deadline = timezone.now() - timedelta(minutes=1)
    open_round.save(update_fields=["opens_at", "deadline"])
    mexico = _client(people["mexico"])
    url = reverse("proposal_mark", args=[meeting.slug, proposal.public_id])
    for data in ({"clear": "1"}, {"stance": "oppose", "note": "changed our mind"}):
        response = mexico.post(url, data)
        assert response.status_code == 409, data
        assert "reopens the round" in response.content.decode()
    assert ProposalMark.objects.filter(delegation__code="mex", stance="support").exists()

    japan = _client(people["japan"])
    response = japan.post(
        reverse("proposal_action", args=[meeting.slug, proposal.public_id, "withdraw"]),
        {"idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    assert "withdrawn after the deadline" in _page(mexico, meeting, proposal).decode()
    rounds = mexico.get(reverse("rounds", args=[meeting.slug])).content.decode()
    assert "A delegation may still withdraw its proposal after the deadline" in rounds
