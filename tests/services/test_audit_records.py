"""Each service writes its own audit rows, naming what it acted on explicitly (issue #19,
point 3): the record no longer depends on what a service's keyword arguments are called or
what it returns, so renaming a parameter cannot change it. Every action's row is pinned here:
who, for which delegation, on which document, element and proposal, and its summary."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from drafting.access.audit import PRIVATE_SUMMARY
from drafting.models import AuditAction, AuditEvent, Element, ElementKind, ElementStatus
from drafting.models import MarkStance as Stance
from drafting.services.decisions import (
    decision_undo,
    proposal_accept,
    proposal_accept_with_changes,
    proposal_defer,
    proposal_reject,
)
from drafting.services.elements import (
    element_compose,
    element_insert,
    element_move,
    element_set_status,
)
from drafting.services.exports import export_job_request
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
from drafting.services.rounds import round_reopen
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn", username="jpn")


@pytest.fixture
def mexico(bms7):
    return delegate_of("mex", username="mex")


@pytest.fixture
def chair(bms7):
    return chairs_office(username="chair")


def _create(user, element, text, *, submit=True, kind="amend"):
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=submit,
        content=ProposalContent(kind=kind, proposed_text=text),
    )


def _rows(action):
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("pk")
        .values_list(
            "username", "delegation__code", "document_id", "element_id", "proposal_id", "summary"
        )
    )


def test_each_delegates_act_names_the_proposal_and_the_acting_delegation(
    theme, open_round, japan, mexico
):
    document_id = theme.document_id
    draft = _create(japan, theme, "Effective [words] control over SALW", submit=False)
    assert _rows(AuditAction.PROPOSAL_DRAFTED) == [
        ("jpn", "jpn", document_id, theme.pk, draft.pk, f"amend the text: {PRIVATE_SUMMARY}")
    ]
    draft = proposal_revise(
        user=japan,
        proposal=draft,
        content=ProposalContent(kind="amend", proposed_text="Effective [new] control over SALW"),
        expected_version=draft.version,
    )
    assert _rows(AuditAction.PROPOSAL_REVISED) == [
        ("jpn", "jpn", document_id, theme.pk, draft.pk, f"amend the text: {PRIVATE_SUMMARY}")
    ]
    proposal_submit(user=japan, proposal=draft)
    shown = "amend the text: Effective [new] control over SALW"
    assert _rows(AuditAction.PROPOSAL_SUBMITTED) == [
        ("jpn", "jpn", document_id, theme.pk, draft.pk, shown)
    ]
    mark_set(user=mexico, proposal=draft, stance=Stance.SUPPORT)
    mark_confirm(user=mexico, proposal=draft)
    mark_clear(user=mexico, proposal=draft)
    assert (
        _rows(AuditAction.MARK_SET) == [("mex", "mex", document_id, theme.pk, draft.pk, shown)] * 2
    )
    assert _rows(AuditAction.MARK_CLEARED) == [
        ("mex", "mex", document_id, theme.pk, draft.pk, shown)
    ]
    proposal_withdraw(user=japan, proposal=draft)
    assert _rows(AuditAction.PROPOSAL_WITHDRAWN) == [
        ("jpn", "jpn", document_id, theme.pk, draft.pk, shown)
    ]
    proposal_withdrawal_undo(user=japan, proposal=draft)
    assert _rows(AuditAction.PROPOSAL_SUBMITTED)[-1] == (
        "jpn",
        "jpn",
        document_id,
        theme.pk,
        draft.pk,
        shown,
    )
    other = _create(japan, theme, "Effective [secret] control over SALW", submit=False)
    proposal_discard(user=japan, proposal=other)
    assert _rows(AuditAction.PROPOSAL_DISCARDED) == [
        ("jpn", "jpn", document_id, theme.pk, other.pk, f"amend the text: {PRIVATE_SUMMARY}")
    ]


def test_a_submission_is_recorded_with_the_words_submitted_not_as_a_private_draft(
    theme, open_round, japan
):
    """The row of a submission named the draft it was given ("draft (its words are its
    delegation's own)"), though the words were published by that very act."""
    draft = _create(japan, theme, "Effective [public] control over SALW", submit=False)
    proposal_submit(user=japan, proposal=draft)
    (row,) = _rows(AuditAction.PROPOSAL_SUBMITTED)
    assert row[-1] == "amend the text: Effective [public] control over SALW"


def test_each_chair_decision_names_the_proposal_and_its_delegation(
    theme, open_round, japan, mexico, chair
):
    document_id = theme.document_id
    accepted = _create(japan, theme, "Effective [a] control over SALW")
    other = _create(mexico, theme, "Effective control over SALW [b]")
    proposal_accept(user=chair, proposals=[accepted, other])
    assert [row[1:5] for row in _rows(AuditAction.PROPOSAL_ACCEPTED)] == [
        ("jpn", document_id, theme.pk, accepted.pk),
        ("mex", document_id, theme.pk, other.pk),
    ]
    theme.refresh_from_db()
    changed = _create(japan, theme, theme.text + " [c]")
    proposal_accept_with_changes(
        user=chair, proposal=changed, text=theme.text + " [d]", expected_text=theme.text
    )
    rejected = _create(mexico, theme, "Effective [e]")
    proposal_reject(user=chair, proposal=rejected)
    deferred = _create(mexico, theme, "Effective [f]")
    proposal_defer(user=chair, proposal=deferred)
    decision_undo(user=chair, proposal=deferred)
    for action, proposal, code in [
        (AuditAction.PROPOSAL_ACCEPTED_WITH_CHANGES, changed, "jpn"),
        (AuditAction.PROPOSAL_REJECTED, rejected, "mex"),
        (AuditAction.PROPOSAL_DEFERRED, deferred, "mex"),
        (AuditAction.DECISION_UNDONE, deferred, "mex"),
    ]:
        (row,) = _rows(action)
        assert row[:5] == ("chair", code, document_id, theme.pk, proposal.pk), action


def test_each_edit_of_the_draft_names_the_element_with_its_new_text(
    theme, open_round, japan, chair
):
    document_id = theme.document_id
    cited = _create(japan, theme, "Effective [g] control over SALW")
    composed = element_compose(
        user=chair, element=theme, text="Composed [text]", expected_text=THEME, cited=[cited]
    )
    inserted = element_insert(user=chair, after=theme, kind=ElementKind.THEME, text="New theme")
    element_move(user=chair, element=inserted, direction="up")
    element_set_status(user=chair, element=inserted, status=ElementStatus.AGREED)
    for action, element, summary in [
        (AuditAction.ELEMENT_COMPOSED, composed, "Composed [text]"),
        (AuditAction.ELEMENT_INSERTED, inserted, "New theme"),
        (AuditAction.ELEMENT_MOVED, inserted, "New theme"),
        (AuditAction.ELEMENT_STATUS_SET, inserted, "New theme"),
    ]:
        assert _rows(action) == [("chair", None, document_id, element.pk, None, summary)], action


def test_rounds_revisions_and_exports_name_the_document(bms7, open_round, chair):
    document_id = bms7.document.pk
    (opened,) = _rows(AuditAction.ROUND_OPENED)
    deadline = open_round.deadline
    assert opened[1:] == (
        None,
        document_id,
        None,
        None,
        f"Round 1 ({deadline:%Y-%m-%d %H:%M} UTC)",
    )
    later = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    round_reopen(user=chair, round_=open_round, deadline=later)
    assert _rows(AuditAction.ROUND_REOPENED) == [
        ("chair", None, document_id, None, None, f"Round 1 ({later:%Y-%m-%d %H:%M} UTC)")
    ]
    revision = revision_issue(issued_by=chair, document=bms7.document, cover_letter="Sir,")
    assert _rows(AuditAction.REVISION_ISSUED) == [
        ("chair", None, document_id, None, None, revision.symbol)
    ]
    assert _rows(AuditAction.EXPORT_REQUESTED) == [
        ("chair", None, document_id, None, None, f"{revision.symbol} revision")
    ]
    export_job_request(user=chair, meeting=bms7, revision=revision, kind="redline")
    assert _rows(AuditAction.EXPORT_REQUESTED)[-1][-1] == f"{revision.symbol} redline"
