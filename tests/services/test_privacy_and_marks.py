"""Issue #14, points 1, 2 and 6: a delegation's unsubmitted words are its own; support is given
to a text, not to whatever it becomes; the deadline binds marks, not withdrawals."""

import importlib
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from drafting.access import permissions
from drafting.access.audit import PRIVATE_SUMMARY
from drafting.models import (
    AuditAction,
    AuditEvent,
    Element,
    Notification,
    Proposal,
    ProposalMark,
    ProposalStatus,
    Revision,
)
from drafting.render import presenters
from drafting.services.decisions import proposal_accept
from drafting.services.marks import mark_clear, mark_confirm, mark_set
from drafting.services.proposals import (
    ProposalContent,
    proposal_create,
    proposal_discard,
    proposal_revise,
    proposal_submit,
    proposal_withdraw,
)
from drafting.services.revisions import revision_issue
from drafting.services.rounds import round_reopen
from drafting.web.errors import DeadlinePassed, DomainError, NotAllowed
from tests.factories import chairs_office, delegate_of, revised, secretariat

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
SECRET = "internal note: fallback position"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _create(user, element, text, *, rationale="", submit=False):
    return proposal_create(
        user=user,
        element=element,
        content=ProposalContent(kind="amend", proposed_text=text, rationale=rationale),
        idempotency_key=uuid.uuid4(),
        submit=submit,
    )


def _close(round_):
    round_.deadline = timezone.now() - timedelta(minutes=1)
    round_.opens_at = round_.deadline - timedelta(hours=2)
    round_.save(update_fields=["deadline", "opens_at"])


def _summary(proposal):
    proposal = Proposal.objects.get(pk=proposal.pk)
    return presenters.mark_summary(list(proposal.marks.all()), proposal.version)


def test_discarding_a_draft_keeps_its_words_with_its_delegation(japan, mexico, theme, open_round):
    """Discarding a draft never publishes it: it becomes a discarded draft that only its own
    delegation may open, and the audit trail records the acts without the words."""
    draft = _create(japan, theme, "Effective [fallback] control over SALW", rationale=SECRET)
    with pytest.raises(DomainError, match="discard it instead"):
        proposal_withdraw(user=japan, proposal=draft)
    with pytest.raises(NotAllowed):
        proposal_discard(user=mexico, proposal=draft)
    discarded = proposal_discard(user=japan, proposal=draft)
    assert discarded.status == ProposalStatus.DISCARDED and discarded.submitted_at is None
    assert permissions.can_view_proposal(delegate_of("jpn"), discarded)
    for outsider in (mexico, chairs_office(), secretariat()):
        assert not permissions.can_view_proposal(outsider, discarded)
    events = AuditEvent.objects.filter(proposal_id=draft.pk).order_by("id")
    assert [e.action for e in events] == [
        AuditAction.PROPOSAL_DRAFTED,
        AuditAction.PROPOSAL_DISCARDED,
    ]
    assert all("fallback" not in e.summary and PRIVATE_SUMMARY in e.summary for e in events)
    with pytest.raises(DomainError, match="can no longer be changed"):
        proposal_submit(user=japan, proposal=discarded)
    with pytest.raises(DomainError, match="Only a draft can be discarded"):
        proposal_discard(user=japan, proposal=_create(japan, theme, "[x]", submit=True))


def test_a_draft_revised_before_submission_leaves_no_words_in_the_audit_trail(japan, theme):
    draft = _create(japan, theme, "Effective [version one] control")
    revised(japan, draft, "Effective [version two] control")
    summaries = AuditEvent.objects.filter(proposal_id=draft.pk).values_list("summary", flat=True)
    assert len(summaries) == 2
    assert not any("version" in summary for summary in summaries)


def test_a_withdrawn_submitted_proposal_stays_visible_as_withdrawn(
    japan, mexico, theme, open_round
):
    proposal = _create(japan, theme, "Effective [public] control", submit=True)
    withdrawn = proposal_withdraw(user=japan, proposal=proposal)
    assert withdrawn.status == ProposalStatus.WITHDRAWN and not withdrawn.withdrawn_after_deadline
    assert withdrawn.status_label == "withdrawn"
    assert permissions.can_view_proposal(mexico, withdrawn)


def test_withdrawing_after_the_deadline_is_allowed_and_shown_as_such(japan, theme, open_round):
    proposal = _create(japan, theme, "Effective [late] control", submit=True)
    _close(open_round)
    withdrawn = proposal_withdraw(user=japan, proposal=proposal)
    assert withdrawn.withdrawn_after_deadline
    assert withdrawn.status_label == "withdrawn after the deadline"
    assert withdrawn.history.first().history_change_reason == "Withdrawn after the deadline"


def test_revising_moves_marks_to_the_version_they_were_given_to(japan, mexico, theme, open_round):
    """Japan's proposal is supported by India and Mexico; Japan revises it to the opposite
    meaning: the support no longer counts, both are told, and each confirms in one step."""
    india = delegate_of("ind")
    proposal = _create(japan, theme, "Effective control over [all] SALW", submit=True)
    mark_set(user=india, proposal=proposal, stance="support", note="We can live with it")
    mark_set(user=mexico, proposal=proposal, stance="support")
    assert _summary(proposal).supporters == ["India", "Mexico"]

    revised(japan, proposal, "No control over SALW")
    summary = _summary(proposal)
    assert summary.supporters == [] and summary.support_count == 0
    assert [(m.name, m.stance, m.version, m.note) for m in summary.earlier] == [
        ("India", "support", 1, "We can live with it"),
        ("Mexico", "support", 1, ""),
    ]
    told = Notification.objects.filter(proposal=proposal).order_by("delegation__code")
    assert [n.delegation.code for n in told] == ["ind", "mex"]
    assert "given to version 1 and no longer counts" in told[0].message
    assert "Japan revised its proposal (now version 2)" in told[0].message

    mark_confirm(user=india, proposal=proposal)
    summary = _summary(proposal)
    assert summary.supporters == ["India"]
    assert [(m.name, m.note, m.version) for m in summary.supporting] == [
        ("India", "We can live with it", 2)
    ]
    assert [m.name for m in summary.earlier] == ["Mexico"]
    with pytest.raises(DomainError, match="no mark"):
        mark_confirm(user=delegate_of("eu"), proposal=proposal)


def test_marks_on_a_decided_proposal_are_frozen(japan, mexico, theme, open_round):
    """Setting a mark on an accepted proposal was refused, clearing one was not."""
    proposal = _create(japan, theme, "Effective [and verifiable] control over SALW", submit=True)
    mark_set(user=mexico, proposal=proposal, stance="support")
    proposal_accept(user=chairs_office(), proposals=[Proposal.objects.get(pk=proposal.pk)])
    for step in (
        lambda: mark_clear(user=mexico, proposal=proposal),
        lambda: mark_set(user=mexico, proposal=proposal, stance="oppose"),
        lambda: mark_confirm(user=mexico, proposal=proposal),
    ):
        with pytest.raises(DomainError, match="accepted: support and opposition"):
            step()
    assert ProposalMark.objects.get(proposal=proposal).stance == "support"


def test_after_the_deadline_marks_cannot_change_until_the_round_is_reopened(
    japan, mexico, theme, open_round
):
    proposal = _create(japan, theme, "Effective [and verifiable] control over SALW", submit=True)
    mark_set(user=mexico, proposal=proposal, stance="support")
    _close(open_round)
    for step in (
        lambda: mark_clear(user=mexico, proposal=proposal),
        lambda: mark_set(user=mexico, proposal=proposal, stance="oppose"),
        lambda: mark_set(user=delegate_of("ind"), proposal=proposal, stance="support"),
    ):
        with pytest.raises(DeadlinePassed, match="unless the chair's office reopens"):
            step()
    assert list(ProposalMark.objects.values_list("stance", flat=True)) == ["support"]
    round_reopen(
        user=chairs_office(), round_=open_round, deadline=timezone.now() + timedelta(hours=1)
    )
    mark_clear(user=mexico, proposal=proposal)
    assert not ProposalMark.objects.exists()


def test_the_migration_makes_withdrawn_drafts_private_again(japan, mexico, theme, open_round):
    """Data written by the old code: a draft "withdrawn" (published), the audit trail holding
    its words, marks without a version."""
    migration = importlib.import_module(
        "drafting.migrations.0013_privacy_of_drafts_and_marks_given_to_versions"
    )
    draft = _create(japan, theme, "Effective [fallback] control", rationale=SECRET)
    # What the old proposal_withdraw did to a draft.
    draft.status, draft.submitted_at = ProposalStatus.WITHDRAWN, timezone.now()
    draft._history_user, draft._change_reason = japan, "Withdrawn"
    draft.save()
    AuditEvent.objects.filter(proposal_id=draft.pk).update(summary="amend the text: [fallback]")
    shown = _create(japan, theme, "Effective [shown] control", submit=True)
    revised(japan, shown, "Effective [shown again] control")
    mark_set(user=mexico, proposal=shown, stance="support")
    ProposalMark.objects.update(version=1)
    proposal_withdraw(user=japan, proposal=shown)
    revision_issue(
        issued_by=chairs_office(), document=theme.document, cover_letter="Sir,", export_pdf=False
    )
    revision = Revision.objects.get(document=theme.document, number=1)
    revision.files.create(kind="compilation", content=b"%PDF old", sha256="0" * 64, pages=1)

    migration.forwards(apps, None)

    draft.refresh_from_db()
    assert (draft.status, draft.submitted_at) == (ProposalStatus.DISCARDED, None)
    assert set(draft.history.values_list("status", flat=True)) == {"draft", "discarded"}
    assert not permissions.can_view_proposal(mexico, draft)
    assert Proposal.objects.get(pk=shown.pk).status == ProposalStatus.WITHDRAWN
    summaries = AuditEvent.objects.filter(proposal_id=draft.pk).values_list("summary", flat=True)
    assert summaries and all("fallback" not in s for s in summaries)
    assert ProposalMark.objects.get().version == 2
    assert not revision.files.filter(kind="compilation").exists()


def test_a_draft_submitted_from_the_revise_form_is_recorded_as_submitted(open_round):
    """The audit trail said only "revised" when a draft was revised and submitted at once."""
    from drafting.models import AuditEvent, Element
    from drafting.services.proposals import ProposalContent, proposal_create
    from tests.factories import delegate_of

    user = delegate_of("jpn")
    theme = Element.objects.get(text="Effective control over SALW")
    draft = proposal_create(
        user=user,
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=False,
        content=ProposalContent(kind="amend", proposed_text="Effective [and] control over SALW"),
    )
    proposal_revise(
        user=user,
        proposal=draft,
        content=ProposalContent(kind="amend", proposed_text="Effective [joint] control over SALW"),
        expected_version=draft.version,
        submit=True,
    )
    actions = set(AuditEvent.objects.filter(proposal_id=draft.pk).values_list("action", flat=True))
    assert {"proposal_drafted", "proposal_revised", "proposal_submitted"} <= actions
