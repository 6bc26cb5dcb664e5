"""Support and opposition ("marks"): another delegation gives, confirms or clears its mark
on a submitted proposal while a round is open; a mark is given to one version of it.

Writers are keyword-only and atomic. A delegate's write takes its own rows only: the
proposal's row alone (``of=("self",)``, never the document's, which would invert the write
gate's order), then the delegation's mark, and last the proposing delegation's page
version and the document's proposals version (`models.cache.proposal_changed`: the pages
showing the marks are cached under them).
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import messages
from drafting.access import audit, permissions
from drafting.models import ConsultationRound, MarkStance, Proposal, ProposalMark
from drafting.models.audit import AuditAction
from drafting.models.cache import proposal_changed
from drafting.models.proposal import VISIBLE_STATUSES
from drafting.services.rounds import after_the_deadline, deadline_words
from drafting.text import validation
from drafting.web.errors import (
    DeadlinePassed,
    DomainError,
    NotAllowed,
    ProposalInvalid,
    StaleVersion,
)


def _require_marks_open(user, proposal: Proposal) -> None:
    """Marks are given, changed and cleared by another delegation on a submitted proposal,
    while a round is open: a decided proposal's marks are frozen, and after the deadline they
    cannot change what the chair's office is compiling unless it reopens the round."""
    if not permissions.can_mark(user, proposal):
        delegate = permissions.delegation_of(user) is not None
        another_delegation = delegate and not permissions.is_own_proposal(user, proposal)
        if another_delegation and not permissions.takes_part(user, proposal.document_id):
            raise NotAllowed(_("Your delegation does not take part in this meeting."))
        if another_delegation and proposal.status in VISIBLE_STATUSES:
            raise DomainError(
                _(
                    "This proposal is %(status)s: support and opposition on it can no longer "
                    "be changed."
                )
                % {"status": proposal.status_label}
            )
        raise NotAllowed(_("Only another delegation can support or oppose a submitted proposal."))
    if after_the_deadline(proposal.document):
        last = (
            ConsultationRound.objects.filter(document_id=proposal.document_id)
            .order_by("-deadline")
            .first()
        )
        raise DeadlinePassed(
            _(
                "The deadline of “%(round)s” passed at %(deadline)s (%(zone)s): support "
                "and opposition can no longer be given, changed or withdrawn unless the "
                "chair's office reopens the round."
            )
            % {"round": last.name, **deadline_words(last.deadline)}
            if last is not None
            else _("No consultation round is open: support and opposition cannot be changed.")
        )


def _locked_for_marks(proposal: Proposal) -> Proposal:
    """The proposal's row alone, locked (``of``): FOR UPDATE on the join would lock the
    document row too, after the proposal's, the opposite of the write gate's order, and
    deadlock with a chair's gated write (drafting.services.gate)."""
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("document", "delegation")
        .get(pk=proposal.pk)
    )


def _require_version_read(proposal: Proposal, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != proposal.version:
        raise StaleVersion(
            _(
                "%(delegation)s revised its proposal since you read it (it is now version "
                "%(version)s). Nothing was recorded: read it again."
            )
            % {"delegation": proposal.delegation.short_name, "version": proposal.version}
        )


def _save_mark(mark: ProposalMark, user, reason: str) -> None:
    mark.author, mark.updated_at = user, timezone.now()
    mark._history_user = user
    mark._change_reason = reason
    mark.save()


@transaction.atomic
def mark_set(
    *, user, proposal: Proposal, stance: str, note: str = "", expected_version: int | None = None
) -> ProposalMark:
    """Record the user's delegation's support or opposition, given to the proposal's current
    version; one mark per delegation. ``expected_version`` is the version the delegate read:
    when the proposal was revised since, :class:`StaleVersion` is raised and nothing is
    recorded (a mark is given to a text read, not to whatever it became meanwhile).

    Locks: own rows only (the proposal's row alone, then the delegation's mark)."""
    locked = _locked_for_marks(proposal)
    _require_marks_open(user, locked)
    _require_version_read(locked, expected_version)
    if stance not in MarkStance.values:
        raise ProposalInvalid({"stance": [_("Choose support, can accept, reservation or oppose.")]})
    note = validation.normalise(note)
    problems = messages.text_problems(validation.check_note(note, max_length=300))
    if problems:
        raise ProposalInvalid({"note": problems})
    delegation = permissions.delegation_of(user)
    mark = (
        ProposalMark.objects.select_for_update()
        .filter(proposal=locked, delegation=delegation)
        .first()
    )
    if mark is None:
        mark = ProposalMark(proposal=locked, delegation=delegation)
    mark.stance, mark.note, mark.version = stance, note, locked.version
    _save_mark(mark, user, f"Marked as {stance} (version {locked.version})")
    audit.record_proposal_act(action=AuditAction.MARK_SET, user=user, proposal=locked)
    proposal_changed(locked)
    return mark


@transaction.atomic
def mark_confirm(*, user, proposal: Proposal, expected_version: int | None = None) -> ProposalMark:
    """Give the delegation's mark (same stance, same note), given to an earlier version, to
    the proposal's current version: one step after the proposing delegation revised it.
    ``expected_version`` is the version the button named (as for :func:`mark_set`).

    Locks: own rows only (the proposal's row alone, then the delegation's mark)."""
    locked = _locked_for_marks(proposal)
    _require_marks_open(user, locked)
    _require_version_read(locked, expected_version)
    mark = (
        ProposalMark.objects.select_for_update()
        .filter(proposal=locked, delegation=permissions.delegation_of(user))
        .first()
    )
    if mark is None:
        raise DomainError(_("Your delegation has no mark on this proposal to confirm."))
    if mark.version != locked.version:
        mark.version = locked.version
        _save_mark(mark, user, f"Confirmed as {mark.stance} (version {locked.version})")
    audit.record_proposal_act(action=AuditAction.MARK_SET, user=user, proposal=locked)
    proposal_changed(locked)
    return mark


@transaction.atomic
def mark_clear(*, user, proposal: Proposal) -> None:
    """Remove the delegation's mark: under the same rules as setting one.

    Locks: own rows only (the proposal's row alone, then the delegation's mark)."""
    locked = _locked_for_marks(proposal)
    _require_marks_open(user, locked)
    mark = (
        ProposalMark.objects.select_for_update()
        .filter(proposal=locked, delegation=permissions.delegation_of(user))
        .first()
    )
    if mark is not None:
        mark._history_user = user
        mark._change_reason = "Mark removed"
        mark.delete()
    audit.record_proposal_act(action=AuditAction.MARK_CLEARED, user=user, proposal=locked)
    proposal_changed(locked)
