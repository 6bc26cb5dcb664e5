"""A decision can be corrected until the next revision carries it (issue #15, point 4)."""

import pytest

from drafting.models import (
    AuditEvent,
    Element,
    ElementChange,
    ElementStatus,
    Notification,
    Proposal,
    ProposalStatus,
)
from drafting.services.decisions import (
    decision_undo,
    proposal_accept,
    proposal_defer,
    proposal_reject,
)
from drafting.services.elements import element_compose
from drafting.services.revisions import revision_issue
from drafting.web.errors import DomainError, MergeConflict
from tests.factories import chairs_office
from tests.services.test_merge import _submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_round(open_round_of_the_module):
    """Round 1, opened once for this module's tests (tests/conftest.py)."""
    return open_round_of_the_module


@pytest.fixture
def chair(db):
    return chairs_office()


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text="Effective control over SALW")


def test_a_misclicked_reject_is_undone_and_the_delegation_told(chair, theme, open_round):
    """Rejected by mistake: undone, the proposal is open again, can be accepted after all,
    and its delegation hears of both steps."""
    proposal = _submit("jpn", theme, "Effective [and] control over SALW")
    proposal_reject(user=chair, proposal=proposal, note="No")
    decision_undo(user=chair, proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert (proposal.decided_by, proposal.decided_at, proposal.decision_note) == (None, None, "")
    assert Notification.objects.filter(
        delegation__code="jpn", proposal=proposal, message__contains="corrected its decision"
    ).exists()
    assert AuditEvent.objects.filter(action="decision_undone", proposal_id=proposal.pk).exists()
    proposal_accept(user=chair, proposals=[proposal])
    theme.refresh_from_db()
    assert theme.text == "Effective [and] control over SALW"


def test_undoing_an_accept_restores_the_text_exactly(chair, theme, open_round):
    original = theme.text
    proposal = _submit("mex", theme, "Effective and lasting control over SALW")
    proposal_accept(user=chair, proposals=[proposal])
    decision_undo(user=chair, proposal=proposal)
    theme.refresh_from_db()
    assert theme.text == original
    undo = ElementChange.objects.get(element=theme, undoes__isnull=False)
    assert (undo.before_text, undo.after_text) == (
        "Effective and lasting control over SALW",
        original,
    )
    assert list(undo.proposals.all()) == [proposal]
    assert theme.history.first().history_change_reason.startswith("Decision undone")


def test_undoing_an_accepted_deletion_restores_the_status(chair, theme, open_round):
    proposal = _submit("bra", theme, kind="delete")
    proposal_accept(user=chair, proposals=[proposal])
    theme.refresh_from_db()
    assert theme.status == ElementStatus.DELETED
    decision_undo(user=chair, proposal=proposal)
    theme.refresh_from_db()
    assert theme.status == ElementStatus.PENDING


def test_undoing_an_accepted_insertion_takes_the_new_element_out(chair, theme, open_round):
    proposal = _submit(
        "ken", theme, "Marking and tracing", kind="insert_after", new_element_kind="theme"
    )
    (inserted,) = proposal_accept(user=chair, proposals=[proposal])
    decision_undo(user=chair, proposal=proposal)
    inserted.refresh_from_db()
    assert inserted.status == ElementStatus.DELETED


def test_an_undo_after_the_text_moved_on_is_a_conflict_and_changes_nothing(
    chair, theme, open_round
):
    """The chair composed on top of the accepted text: taking the accept back exactly would
    drop the composition, so it is a conflict; the decision alone can then be undone."""
    proposal = _submit("jpn", theme, "Effective [and] control over SALW")
    proposal_accept(user=chair, proposals=[proposal])
    theme.refresh_from_db()
    element_compose(
        user=chair,
        element=theme,
        text="Effective [and] lasting control over SALW",
        expected_text=theme.text,
    )
    with pytest.raises(MergeConflict, match="cannot be taken back exactly"):
        decision_undo(user=chair, proposal=proposal)
    proposal.refresh_from_db()
    theme.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
    assert theme.text == "Effective [and] lasting control over SALW"
    decision_undo(user=chair, proposal=proposal, keep_text=True)
    proposal.refresh_from_db()
    theme.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert theme.text == "Effective [and] lasting control over SALW"


def test_a_decision_carried_by_an_issued_revision_cannot_be_undone(chair, theme, bms7, open_round):
    proposal = _submit("jpn", theme, "Effective [and] control over SALW")
    proposal_defer(user=chair, proposal=proposal)
    proposal_reject(user=chair, proposal=_submit("mex", theme, kind="delete"))
    rejected = Proposal.objects.get(delegation__code="mex")
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="Excellency,")
    with pytest.raises(DomainError, match="already carried by an issued revision"):
        decision_undo(user=chair, proposal=rejected)


def test_an_open_proposal_has_no_decision_to_undo(chair, theme, open_round):
    proposal = _submit("jpn", theme, "Effective [and] control over SALW")
    with pytest.raises(DomainError, match="cannot be decided now"):
        decision_undo(user=chair, proposal=proposal)


def test_undo_twice_the_second_is_refused(chair, theme, open_round):
    proposal = _submit("mex", theme, "Effective and lasting control over SALW")
    proposal_accept(user=chair, proposals=[proposal])
    decision_undo(user=chair, proposal=proposal)
    with pytest.raises(DomainError):
        decision_undo(user=chair, proposal=proposal)
    theme.refresh_from_db()
    assert theme.text == "Effective control over SALW"


def test_an_insertion_changed_since_cannot_be_undone_alone(chair, theme, open_round):
    """Kept with its proposal open again, an inserted element would be inserted a second
    time by the next accept: the decision on a changed insertion is not undone alone."""
    proposal = _submit(
        "ken", theme, "Marking and tracing", kind="insert_after", new_element_kind="theme"
    )
    (inserted,) = proposal_accept(user=chair, proposals=[proposal])
    element_compose(
        user=chair,
        element=inserted,
        text="Marking, tracing and record-keeping",
        expected_text="Marking and tracing",
    )
    with pytest.raises(DomainError, match="cannot be undone alone"):
        decision_undo(user=chair, proposal=proposal, keep_text=True)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED
