"""Positions that say something (issue #18, point 3): four stances with their notes, counted
per stance wherever marks are shown; and the proposing delegation's one reply to the chair's
note on a decision, shown under the decision."""

import re
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from drafting.models import AuditEvent, DecisionReply, Element, ProposalMark
from drafting.models.audit import AuditAction
from drafting.services.decisions import decision_undo, proposal_accept, proposal_reject
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.replies import decision_reply
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def japans(bms7, open_round):
    """Japan's submitted proposal on the theme."""
    return proposal_create(
        user=delegate_of("jpn"),
        element=Element.objects.get(text=THEME),
        content=ProposalContent(kind="amend", proposed_text="Effective control over [all] SALW"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


def _detail(meeting_slug, proposal) -> str:
    return reverse("proposal_detail", args=[meeting_slug, proposal.public_id])


# Stances


def test_each_stance_is_counted_and_shown_with_its_note(japans):
    """Support, can accept, reservation and oppose are each counted and listed with the note
    given, escaped, on the proposal page and in the compilation."""
    mark_set(user=delegate_of("ind"), proposal=japans, stance="support")
    mark_set(user=delegate_of("mex"), proposal=japans, stance="can_accept", note="<i>fine</i>")
    mark_set(user=delegate_of("fra"), proposal=japans, stance="reservation", note="word order")
    mark_set(user=delegate_of("can"), proposal=japans, stance="oppose")
    chair = _client(chairs_office())
    page = chair.get(_detail("bms7", japans)).text
    assert "1 delegation supports" in page and "1 can accept" in page
    assert "1 has a reservation" in page and "1 opposes" in page
    assert "Can accept: Mexico (“&lt;i&gt;fine&lt;/i&gt;”)" in page
    assert "Reservation: France (“word order”)" in page
    compilation = re.sub(r"<[^>]+>", "", chair.get(reverse("compilation", args=["bms7"])).text)
    assert "Supported by: India; " in compilation
    assert "Can accept: Mexico (“&lt;i&gt;fine&lt;/i&gt;”)" in compilation
    assert "Reservation: France (“word order”); Opposed by: Canada" in compilation


def test_the_mark_form_offers_the_four_stances_and_records_a_reservation(japans):
    india = _client(delegate_of("ind"))
    page = india.get(_detail("bms7", japans)).text
    for value in ("support", "can_accept", "reservation", "oppose"):
        assert f'value="{value}"' in page
    response = india.post(
        reverse("proposal_mark", args=["bms7", japans.public_id]),
        {"stance": "reservation", "note": "the brackets", "version": japans.version},
        follow=True,
    )
    assert response.status_code == 200
    mark = ProposalMark.objects.get(proposal=japans)
    assert (mark.stance, mark.note) == ("reservation", "the brackets")
    assert "Your delegation has a reservation on this proposal." in response.text


def test_a_stance_outside_the_four_is_refused_by_service_form_and_database(japans):
    india = delegate_of("ind")
    with pytest.raises(ProposalInvalid, match="Choose support, can accept, reservation or oppose"):
        mark_set(user=india, proposal=japans, stance="abstain")
    response = _client(india).post(
        reverse("proposal_mark", args=["bms7", japans.public_id]),
        {"stance": "abstain", "version": japans.version},
    )
    assert response.status_code == 422
    assert not ProposalMark.objects.exists()
    mark = mark_set(user=india, proposal=japans, stance="can_accept")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProposalMark.objects.filter(pk=mark.pk).update(stance="abstain")


def test_a_note_longer_than_300_characters_is_refused(japans):
    with pytest.raises(ProposalInvalid, match="the limit is 300"):
        mark_set(user=delegate_of("ind"), proposal=japans, stance="reservation", note="x" * 301)
    mark_set(user=delegate_of("ind"), proposal=japans, stance="reservation", note="x" * 300)


def test_old_marks_stay_valid(japans):
    """Support and oppose, the two stances before, are still stances."""
    for code, stance in (("ind", "support"), ("mex", "oppose")):
        mark_set(user=delegate_of(code), proposal=japans, stance=stance)
    for mark in ProposalMark.objects.all():
        mark.full_clean()


# Replies to the chair's note


@pytest.fixture
def rejected_with_note(japans):
    proposal_reject(user=chairs_office(), proposal=japans, note="Overlaps paragraph 3.")
    japans.refresh_from_db()
    return japans


def test_the_proposing_delegation_replies_once_and_it_is_shown_under_the_decision(
    rejected_with_note,
):
    japan = _client(delegate_of("jpn"))
    url = reverse("decision_reply", args=["bms7", rejected_with_note.public_id])
    assert "Send the reply" in japan.get(_detail("bms7", rejected_with_note)).text
    response = japan.post(url, {"text": "We <b>disagree</b>: paragraph 3 is narrower."})
    assert response.status_code == 302
    reply = DecisionReply.objects.get()
    assert reply.decision_note == "Overlaps paragraph 3."
    assert AuditEvent.objects.filter(
        action=AuditAction.DECISION_REPLIED, proposal_id=rejected_with_note.pk
    ).exists()
    shown = _client(delegate_of("ind")).get(_detail("bms7", rejected_with_note)).text
    assert "We &lt;b&gt;disagree&lt;/b&gt;: paragraph 3 is narrower." in shown
    assert "Send the reply" not in japan.get(_detail("bms7", rejected_with_note)).text
    again = japan.post(url, {"text": "And again."})
    assert again.status_code == 409
    assert "already replied" in again.text and "And again." in again.text
    assert DecisionReply.objects.count() == 1


def test_only_the_proposing_delegation_may_reply(rejected_with_note):
    url = reverse("decision_reply", args=["bms7", rejected_with_note.public_id])
    for user in (delegate_of("ind"), chairs_office()):
        assert _client(user).post(url, {"text": "Not ours."}).status_code == 403
        with pytest.raises(NotAllowed):
            decision_reply(user=user, proposal=rejected_with_note, text="Not ours.")
    assert Client().post(url, {"text": "x"}).status_code == 302  # to sign in
    assert (
        "Send the reply"
        not in _client(delegate_of("ind")).get(_detail("bms7", rejected_with_note)).text
    )
    assert not DecisionReply.objects.exists()


def test_no_reply_before_a_decision_or_without_a_note(japans):
    japan = delegate_of("jpn")
    with pytest.raises(DomainError, match="not decided"):
        decision_reply(user=japan, proposal=japans, text="Early.")
    proposal_accept(user=chairs_office(), proposals=[japans])
    japans.refresh_from_db()
    with pytest.raises(DomainError, match="no note"):
        decision_reply(user=japan, proposal=japans, text="To what?")
    response = _client(japan).post(
        reverse("decision_reply", args=["bms7", japans.public_id]), {"text": "To what?"}
    )
    assert response.status_code == 409
    assert not DecisionReply.objects.exists()


def test_a_reply_is_bounded_and_not_empty(rejected_with_note):
    japan = delegate_of("jpn")
    with pytest.raises(ProposalInvalid):
        decision_reply(user=japan, proposal=rejected_with_note, text="   ")
    with pytest.raises(ProposalInvalid):
        decision_reply(user=japan, proposal=rejected_with_note, text="x" * 1001)
    response = _client(japan).post(
        reverse("decision_reply", args=["bms7", rejected_with_note.public_id]),
        {"text": "x" * 1001},
    )
    assert response.status_code == 422
    assert not DecisionReply.objects.exists()
    decision_reply(user=japan, proposal=rejected_with_note, text="x" * 1000)


def test_no_reply_once_the_decision_is_undone(rejected_with_note):
    decision_undo(user=chairs_office(), proposal=rejected_with_note)
    rejected_with_note.refresh_from_db()
    with pytest.raises(DomainError, match="not decided"):
        decision_reply(user=delegate_of("jpn"), proposal=rejected_with_note, text="Late.")
