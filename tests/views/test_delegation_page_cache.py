"""The delegation page's tables are cached (`page_cache.delegation_tables`): every write that
changes what they show is on the very next page view. Each test reads the page first (the
cache is then warm), writes through the service, and reads the page again."""

import re
import uuid

import pytest
from django.urls import reverse

from drafting.models import Delegation, Element, ProposalStatus
from drafting.services.cosponsorship import (
    cosponsorship_accept,
    cosponsorship_decline,
    cosponsorship_withdraw,
)
from drafting.services.decisions import decision_undo, proposal_defer, proposal_reject
from drafting.services.marks import mark_clear, mark_confirm, mark_set
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_discard,
    proposal_revise,
    proposal_submit,
    proposal_withdraw,
    proposal_withdrawal_undo,
)
from drafting.services.revisions import revision_issue
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(open_round_of_the_module):
    """Round 1, opened once for this module's tests (tests/conftest.py)."""
    return open_round_of_the_module


THEME = "Effective control over SALW"
TEXT = "Effective [and transparent] control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def own(bms7):
    return delegate_of("jpn")


@pytest.fixture
def page(client, own):
    """The delegation page of Japan's delegate: a function giving its three tables' text by
    section (``drafts``, ``discarded``, ``submitted``), tags stripped."""
    client.force_login(own)
    url = reverse("delegation_page", args=["bms7"])

    def read() -> dict[str, str]:
        response = client.get(url)
        assert response.status_code == 200
        html = response.text
        sections = {}
        for name in ("drafts", "discarded", "submitted"):
            found = re.search(
                rf'<section aria-labelledby="{name}-title">(.*?)</section>', html, re.S
            )
            sections[name] = (
                re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if (found) else ""
            )
        return sections

    return read


def _create(user, element, *, submit, text=TEXT, co_sponsors=()):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=submit,
        content=ProposalContent(kind="amend", proposed_text=text, co_sponsors=list(co_sponsors)),
    )


def test_a_new_draft_and_its_submission_show_at_once(page, own, theme, round_1):
    assert "No draft." in page()["drafts"]
    draft = _create(own, theme, submit=False)
    assert "transparent" in page()["drafts"]
    proposal_submit(user=own, proposal=draft)
    seen = page()
    assert "No draft." in seen["drafts"] and "transparent" in seen["submitted"]


def test_a_proposal_submitted_at_once_shows(page, own, theme, round_1):
    assert "Nothing submitted yet." in page()["submitted"]
    _create(own, theme, submit=True)
    assert "transparent" in page()["submitted"]


def test_a_revision_shows_its_new_text(page, own, theme, round_1):
    proposal = _create(own, theme, submit=True)
    assert "transparent" in page()["submitted"]
    proposal_revise(
        user=own,
        proposal=proposal,
        content=ProposalContent(
            kind="amend", proposed_text="Effective [and verifiable] control over SALW"
        ),
        expected_version=proposal.version,
    )
    submitted = page()["submitted"]
    assert "verifiable" in submitted and "transparent" not in submitted


def test_withdrawal_its_undoing_and_a_discard_show(page, own, theme, round_1):
    proposal = _create(own, theme, submit=True)
    assert " withdrawn " not in page()["submitted"]
    proposal_withdraw(user=own, proposal=proposal)
    assert " withdrawn " in page()["submitted"]
    proposal_withdrawal_undo(user=own, proposal=proposal)
    assert " withdrawn " not in page()["submitted"]
    draft = _create(own, theme, submit=False, text="Effective [and lasting] control over SALW")
    assert "lasting" in page()["drafts"]
    proposal_discard(user=own, proposal=draft)
    seen = page()
    assert "lasting" not in seen["drafts"] and "lasting" in seen["discarded"]


def test_marks_given_to_our_proposal_by_another_delegation_show(page, own, theme, round_1):
    """Another delegation's mark is a write of its own, on our proposal: our page shows it."""
    proposal = _create(own, theme, submit=True)
    other = delegate_of("mex")
    assert "Mexico" not in page()["submitted"]
    mark_set(user=other, proposal=proposal, stance="support", note="Gladly")
    assert "Mexico" in page()["submitted"] and "Gladly" in page()["submitted"]
    mark_clear(user=other, proposal=proposal)
    assert "Mexico" not in page()["submitted"]
    mark_set(user=other, proposal=proposal, stance="oppose")
    proposal_revise(
        user=own,
        proposal=proposal,
        content=ProposalContent(
            kind="amend", proposed_text="Effective [and full] control over SALW"
        ),
        expected_version=proposal.version,
    )
    before = page()["submitted"]
    proposal.refresh_from_db()
    mark_confirm(user=other, proposal=proposal, expected_version=proposal.version)
    after = page()["submitted"]
    assert after != before and "Mexico" in after


def test_answers_to_our_invitations_to_co_sponsor_show(page, own, theme, round_1):
    argentina = Delegation.objects.get(code="arg")
    proposal = _create(own, theme, submit=True, co_sponsors=[argentina])
    invited = page()["submitted"]
    assert "invited to co-sponsor" in invited
    cosponsorship_accept(user=delegate_of("arg"), proposal=proposal)
    accepted = page()["submitted"]
    assert "invited to co-sponsor" not in accepted and argentina.short_name in accepted
    cosponsorship_withdraw(user=delegate_of("arg"), proposal=proposal)
    assert argentina.short_name not in page()["submitted"]
    chile = Delegation.objects.get(code="chl")
    other = _create(
        own,
        theme,
        submit=True,
        text="Effective [and lasting] control over SALW",
        co_sponsors=[chile],
    )
    assert chile.short_name in page()["submitted"]
    cosponsorship_decline(user=delegate_of("chl"), proposal=other)
    assert chile.short_name not in page()["submitted"]


def test_decisions_their_undoing_and_a_revision_issued_show(page, own, theme, round_1, bms7):
    """The chair's writes pass the write gate, which bumps the document's version."""
    chair = chairs_office()
    proposal = _create(own, theme, submit=True)
    assert " rejected " not in page()["submitted"]
    proposal_defer(user=chair, proposal=proposal, note="Later")
    assert " deferred " in page()["submitted"] and "Later" in page()["submitted"]
    proposal.refresh_from_db()
    decision_undo(user=chair, proposal=proposal)
    assert " deferred " not in page()["submitted"]
    proposal.refresh_from_db()
    proposal_reject(user=chair, proposal=proposal, note="Not agreed")
    submitted = page()["submitted"]
    assert " rejected " in submitted and "Not agreed" in submitted
    bms7.document.refresh_from_db()
    revision = revision_issue(
        issued_by=chair, document=bms7.document, cover_letter="Sir,", export_pdf=False
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED and proposal.reflected_in_id == revision.pk
    assert f"in {revision.label}" in page()["submitted"]


def test_a_delegation_renamed_shows_its_new_name_on_our_marks(page, own, theme, round_1):
    proposal = _create(own, theme, submit=True)
    mark_set(user=delegate_of("mex"), proposal=proposal, stance="support")
    assert "Mexico" in page()["submitted"]
    mexico = Delegation.objects.get(code="mex")
    mexico.short_name = "Estados Unidos Mexicanos"
    mexico._change_reason = "Renamed"
    mexico.save()
    assert "Estados Unidos Mexicanos" in page()["submitted"]
