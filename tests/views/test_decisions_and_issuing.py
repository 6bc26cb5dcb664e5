"""Decisions and issuing through the chair's pages (issue #15, points 1, 3 and 4): a decision
is given to the text the chair read, can be undone in one step, and a revision is issued
once, from the draft the form showed."""

import re
import uuid

import psycopg.errors
import pytest
from django.db import OperationalError
from django.urls import reverse

from drafting.models import Element, Proposal, ProposalStatus, Revision
from drafting.services.decisions import proposal_accept
from drafting.services.proposals import ProposalContent, proposal_create, proposal_revise
from tests.factories import chairs_office, delegate_of, issue_form_fields

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def chair(bms7):
    return chairs_office()


def _submit(code, element, text):
    user = delegate_of(code)
    proposal = proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )
    return user, proposal


def test_a_decision_on_a_text_revised_since_the_page_was_read_is_refused(
    client, chair, theme, open_round
):
    """The compilation showed version 1; the delegation then revised it to the opposite
    meaning. Accepting from the page must not accept the new text unseen."""
    user, proposal = _submit("mex", theme, "Cooperation between exporting and [importing] states")
    client.force_login(chair)
    page = client.get(reverse("compilation", args=["bms7"]))
    assert 'name="version" value="1"' in page.text
    proposal_revise(
        user=user,
        proposal=proposal,
        content=ProposalContent(kind="amend", proposed_text="No cooperation between states"),
        expected_version=1,
    )
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "version": "1", "action": "accept"},
        follow=True,
    )
    assert "revised its proposal since you read it" in response.text
    proposal.refresh_from_db()
    theme.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert theme.text == THEME


def test_rejected_then_undo_in_one_click(client, chair, theme, open_round):
    """No dialog before a decision: the page after it says "Rejected." with an Undo button,
    which opens the proposal again."""
    _user, proposal = _submit("mex", theme, "Cooperation between [exporting] states")
    client.force_login(chair)
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "version": "1", "action": "reject"},
        follow=True,
    )
    assert "Rejected." in response.text
    # Beside the card, its Undo button (named for the proposal; part of the name is for
    # screen readers only).
    assert "Undo the decision on the proposal of Mexico" in re.sub(r"<[^>]+>", "", response.text)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    response = client.post(
        reverse("quick_decision", args=["bms7"]),
        {"proposal": proposal.public_id, "action": "undo"},
        follow=True,
    )
    assert "Decision undone" in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    # Offered once: the next page does not repeat it.
    page = client.get(reverse("compilation", args=["bms7"]))
    assert "Undo the decision on the proposal" not in page.text


def test_an_undo_that_would_drop_later_words_offers_to_keep_the_text(
    client, chair, theme, open_round
):
    _user, proposal = _submit("mex", theme, "Cooperation between exporting and [importing] states")
    proposal_accept(user=chair, proposals=[proposal])
    client.force_login(chair)
    url = reverse("element_review", args=["bms7", theme.pk])
    theme.refresh_from_db()
    client.post(
        url,
        {"action": "compose", "text": theme.text + " [worldwide]", "expected_text": theme.text},
    )
    page = client.get(url)
    assert "Decisions that can still be corrected" in page.text
    response = client.post(url, {"action": "undo", "proposal": proposal.public_id})
    assert response.status_code == 409
    assert "cannot be taken back exactly" in response.text
    assert "keep the text as it is" in response.text
    response = client.post(url, {"action": "undo_keep_text", "proposal": proposal.public_id})
    assert response.status_code == 302
    proposal.refresh_from_db()
    theme.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert theme.text.endswith("[worldwide]")


def test_two_chairs_sending_the_issue_form_shown_to_both_issue_one_revision(client, chair, bms7):
    """Both opened the form for Rev.1; the second submission issues nothing, keeps the
    letter typed, and says that Rev.1 was issued meanwhile."""
    fields = issue_form_fields()
    other = chairs_office(first_name="Omar", last_name="Hilale")
    url = reverse("issue_revision", args=["bms7"])
    client.force_login(other)
    first = client.post(url, {"cover_letter": "Excellency,", "confirm": "1", **fields})
    assert first.status_code == 302
    client.force_login(chair)
    second = client.post(url, {"cover_letter": "My own letter", "confirm": "1", **fields})
    assert second.status_code == 409
    assert "Rev.1 was issued meanwhile" in second.text and "Omar Hilale" in second.text
    assert "My own letter</textarea>" in second.text
    assert "Issue Rev.2" in second.text
    assert list(Revision.objects.values_list("number", flat=True).order_by("number")) == [0, 1]


def test_a_form_shown_before_the_draft_changed_issues_nothing(client, chair, theme, open_round):
    fields = issue_form_fields()
    _user, proposal = _submit("mex", theme, "Cooperation between exporting and [importing] states")
    proposal_accept(user=chair, proposals=[proposal])
    client.force_login(chair)
    response = client.post(
        reverse("issue_revision", args=["bms7"]),
        {"cover_letter": "Excellency,", "confirm": "1", **fields},
    )
    assert response.status_code == 409
    assert "The working draft changed since you opened this form" in response.text
    assert not Revision.objects.filter(number=1).exists()
    assert f'name="draft_version" value="{issue_form_fields()["draft_version"]}"' in response.text


def test_a_write_clash_is_a_409_that_keeps_the_input_not_an_outage(
    client, chair, theme, open_round, monkeypatch
):
    """Should PostgreSQL ever abort a write as a deadlock, the user is told of a clash with
    another write (409), not that the database connection dropped (503)."""
    from drafting.services import elements

    def clash(**kwargs):
        try:
            raise psycopg.errors.DeadlockDetected("deadlock detected")
        except psycopg.errors.DeadlockDetected as cause:
            raise OperationalError("deadlock detected") from cause

    monkeypatch.setattr(elements, "element_compose", clash)
    client.force_login(chair)
    response = client.post(
        reverse("element_review", args=["bms7", theme.pk]),
        {"action": "compose", "text": "My careful wording", "expected_text": THEME},
    )
    assert response.status_code == 409
    assert "Someone else changed the same part of the record" in response.text
    assert "My careful wording" in response.text
    assert "connection to the database dropped" not in response.text
    assert Proposal.objects.count() == 0


def test_a_withdrawal_is_undone_in_one_click_while_the_round_is_open(client, theme, open_round):
    """ "Withdrawn. Undo": no dialog before withdrawing; the proposal page offers to take it
    back, and the proposal is submitted again as it was."""
    user, proposal = _submit("mex", theme, "Cooperation between [exporting] states")
    client.force_login(user)
    url = reverse("proposal_detail", args=["bms7", proposal.public_id])
    response = client.post(
        reverse("proposal_action", args=["bms7", proposal.public_id, "withdraw"]), follow=True
    )
    assert "Proposal withdrawn. You can undo this" in response.text
    assert "Undo the withdrawal" in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    response = client.post(
        reverse("proposal_action", args=["bms7", proposal.public_id, "undo_withdrawal"]),
        follow=True,
    )
    assert "Withdrawal undone" in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.history.first().history_change_reason == "Withdrawal undone"
    assert "Undo the withdrawal" not in client.get(url).text


def test_only_the_proposing_delegation_undoes_its_withdrawal_and_not_after_a_revision(
    client, chair, theme, bms7, open_round
):
    from drafting.services.proposals import proposal_withdraw
    from drafting.services.revisions import revision_issue

    user, proposal = _submit("mex", theme, "Cooperation between [exporting] states")
    proposal_withdraw(user=user, proposal=proposal)
    client.force_login(delegate_of("jpn"))
    response = client.post(
        reverse("proposal_action", args=["bms7", proposal.public_id, "undo_withdrawal"])
    )
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    client.force_login(user)
    page = client.get(reverse("proposal_detail", args=["bms7", proposal.public_id]))
    assert "Undo the withdrawal" not in page.text
    response = client.post(
        reverse("proposal_action", args=["bms7", proposal.public_id, "undo_withdrawal"]),
        follow=True,
    )
    assert "can no longer be taken back" in response.text
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN


def test_the_compilation_card_offers_undo_in_place_until_a_revision_carries_it(
    client, chair, theme, bms7, open_round
):
    """After a decision the page returns to the card (an anchor): its Undo is on the card
    itself, for the chair's office only, and gone once a revision carries the decision."""
    from drafting.services.decisions import proposal_reject
    from drafting.services.revisions import revision_issue

    _user, proposal = _submit("mex", theme, "Cooperation between [exporting] states")
    proposal_reject(user=chair, proposal=proposal)
    url = reverse("compilation", args=["bms7"])
    undo = f'name="proposal" value="{proposal.public_id}"'
    client.force_login(chair)
    page = client.get(url).text
    assert "Undo the decision" in page and undo in page
    client.force_login(delegate_of("jpn"))
    assert "Undo the decision" not in client.get(url).text
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    client.force_login(chair)
    assert undo not in client.get(url + "?status=rejected").text


def test_the_issue_form_shows_a_field_error_beside_its_field_and_keeps_the_box_ticked(
    client, chair, bms7
):
    """Bad input loses nothing: the confirm box comes back ticked, the letter's error sits
    next to the letter (announced with it), and nothing is issued."""
    client.force_login(chair)
    response = client.post(
        reverse("issue_revision", args=["bms7"]),
        {"cover_letter": "  ", "signatory": "Chair", "confirm": "1", **issue_form_fields()},
    )
    assert response.status_code == 422
    assert '<ul class="field-errors" id="id_cover_letter_error"><li>Write the cover letter.' in (
        response.text
    )
    assert 'aria-describedby="id_cover_letter_error"' in response.text
    assert 'name="confirm" value="1" checked>' in response.text
    assert not Revision.objects.filter(number=1).exists()
