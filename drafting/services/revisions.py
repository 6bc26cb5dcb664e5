"""Issuing numbered revisions, and carrying open proposals forward onto them."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from drafting import messages, selectors
from drafting.access import audit, permissions
from drafting.models import (
    Document,
    Element,
    ElementStatus,
    FileKind,
    Notification,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Revision,
)
from drafting.models.audit import AuditAction
from drafting.services.gate import DocumentGate, open_gate
from drafting.services.idempotency import idempotent
from drafting.services.notifications import notify, notify_participants
from drafting.text import diff, validation
from drafting.text import snapshot as snapshots
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid

CARRIED_FORWARD = (ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED, ProposalStatus.NEEDS_REBASE)
DECIDED = (ProposalStatus.ACCEPTED, ProposalStatus.ACCEPTED_WITH_CHANGES, ProposalStatus.REJECTED)


class Carried(StrEnum):
    """What carrying an open proposal onto a new revision did to it."""

    UNCHANGED = "unchanged"
    REBASED = "rebased"  # its base text moved; its patch applied to the new one
    STUCK = "stuck"  # its patch no longer applies: the delegation must rebase it


def revision_label(number: int) -> str:
    return "Zero draft" if number == 0 else f"Rev.{number}"


def revision_symbol(prefix: str, number: int) -> str:
    return prefix if number == 0 else f"{prefix}/Rev.{number}"


@idempotent("revision_issue")
@transaction.atomic
def revision_issue(
    *,
    issued_by: Any,
    document: Document,
    cover_letter: str,
    signatory: str = "",
    issued_at: datetime | None = None,
    export_pdf: bool = True,
    expected_number: int | None = None,
    expected_version: int | None = None,
) -> Revision:
    """Freeze the working draft as the next numbered revision and return it.

    Goes through the write gate (:mod:`drafting.services.gate`): the document row, then the
    decided and open proposals, then the elements inserted since the last revision. Two
    people issuing at once are served in turn, never two Rev.N (the unique constraint on
    (document, number) backs this up). ``expected_number`` and ``expected_version`` are the
    number the issuer's form showed and the working draft's version it was made from; when
    another revision was issued meanwhile, or the draft changed, :class:`RevisionIssuedMeanwhile`
    or :class:`DomainError` is raised and nothing is issued. All or nothing, in one
    transaction: elements inserted since the last revision are renumbered, the snapshot and
    its hash are frozen, decided proposals are marked as carried by this revision, and open
    proposals are carried forward (rebased where their patch still applies, marked
    needs-rebase otherwise), their delegations told which.
    """
    if not permissions.can_issue_revision(issued_by, document):
        raise NotAllowed(_("Only the chair's office issues revisions."))
    cover_letter = validation.normalise(cover_letter)
    problems = validation.check_note(cover_letter, max_length=20_000)
    if problems:
        raise ProposalInvalid({"cover_letter": messages.text_problems(problems)})
    signatory = validation.normalise(signatory)
    problems = validation.check_note(signatory, max_length=Revision.SIGNATORY_MAX_LENGTH)
    if problems:
        raise ProposalInvalid({"signatory": messages.text_problems(problems)})
    gate = open_gate(document.pk)
    locked = gate.document
    last = Revision.objects.filter(document=locked).order_by("-number").first()
    number = 0 if last is None else last.number + 1
    if expected_number is not None and expected_number != number:
        # Only a number already reached was issued meanwhile; one ahead is a garbled form.
        raise RevisionIssuedMeanwhile(last if expected_number < number else None)
    # The gate bumped the version: the draft the form showed is the one before this write.
    if expected_version is not None and expected_version != locked.version - 1:
        raise DomainError(
            _(
                "The working draft changed since you opened this form. Nothing was issued: "
                "look at the draft again, then issue it."
            )
        )
    label = revision_label(number)
    # Proposals before elements: the gate's order.
    decided, open_proposals = _lock_proposals(gate, locked)
    renumbered = gate.elements(
        Element.objects.filter(Q(provisional=True) | Q(status=ElementStatus.DELETED, retired=False))
    )
    for element in renumbered:
        if element.provisional:
            element.provisional = False
            element._history_user = issued_by
            element._change_reason = f"Numbered in {label}"
            element.save(update_fields=["provisional"])
    _retire_deleted(
        [e for e in renumbered if e.status == ElementStatus.DELETED and not e.retired],
        issued_by,
        label,
    )
    snapshot = selectors.working_draft_snapshot(locked)
    revision = Revision.objects.create(
        document=locked,
        number=number,
        label=label,
        symbol=revision_symbol(locked.meeting.symbol_prefix, number),
        issued_at=issued_at or timezone.now(),
        issued_by=issued_by,
        signatory=signatory,
        cover_letter=cover_letter,
        snapshot=snapshot,
        content_hash=snapshots.content_hash(snapshot),
    )
    _mark_decided(decided, revision, issued_by)
    _carry_forward(open_proposals, revision, issued_by)
    # Every delegation taking part is told (and e-mailed, as each person chose).
    notify_participants(
        document=locked,
        kind=NotificationKind.REVISION,
        message=_("%(revision)s (%(symbol)s) is issued.")
        % {"revision": revision.label, "symbol": revision.symbol},
    )
    audit.record_revision_act(action=AuditAction.REVISION_ISSUED, user=issued_by, revision=revision)
    # The revision PDF is made once, in the background, when the revision is issued.
    if export_pdf:
        from drafting.services.exports import export_job_request

        export_job_request(
            user=issued_by, meeting=locked.meeting, revision=revision, kind=FileKind.REVISION
        )
    return revision


class RevisionIssuedMeanwhile(DomainError):
    """The revision the form was to issue was issued by someone else meanwhile (``revision``)."""

    def __init__(self, revision: Revision | None):
        super().__init__(
            _("%(label)s was issued meanwhile, at %(time)s by %(who)s. Nothing else was issued.")
            % {
                "label": revision.label,
                "time": timezone.localtime(revision.issued_at).strftime("%H:%M:%S"),
                "who": (
                    revision.issued_by.get_full_name() or revision.issued_by.get_username()
                    if revision.issued_by is not None
                    else _("the secretariat")
                ),
            }
            if revision is not None
            else _("The revision numbers changed meanwhile. Nothing was issued.")
        )
        self.revision = revision


def _retire_deleted(deleted: list[Element], user: Any, label: str) -> None:
    """Elements deleted since the last revision leave the text with this one: a revision
    omits them (with what is under them) and numbers the rest again, and so does the working
    draft from now on. Each keeps its row and gets a history row. The caller locked them
    through the write gate."""
    for element in deleted:
        element.retired = True
        element._history_user = user
        element._change_reason = f"Left out of {label} (deleted)"
        element.save(update_fields=["retired"])


def _lock_proposals(
    gate: DocumentGate, document: Document
) -> tuple[list[Proposal], list[Proposal]]:
    """Lock, in one pass in id order, the decisions not yet carried by a revision and the open
    proposals to carry forward; return them apart."""
    locked = gate.proposals(
        Proposal.objects.select_related("element").filter(
            Q(status__in=DECIDED, reflected_in__isnull=True) | Q(status__in=CARRIED_FORWARD)
        )
    )
    decided = [p for p in locked if p.status in DECIDED]
    return decided, [p for p in locked if p.status in CARRIED_FORWARD]


def _mark_decided(decided: list[Proposal], revision: Revision, user: Any) -> None:
    """Record in which revision each decision was carried, in bulk with a history row each
    (one by one, it was three queries per decided proposal)."""
    notes = []
    for proposal in decided:
        proposal.reflected_in = revision
        notes.append(
            Notification(
                delegation_id=proposal.delegation_id,
                proposal=proposal,
                kind=NotificationKind.REVISION,
                message=_("%(revision)s is issued: your proposal is %(reflection)s in it.")
                % {"revision": revision.label, "reflection": proposal.reflection},
            )
        )
    if decided:
        bulk_update_with_history(
            decided,
            Proposal,
            ["reflected_in"],
            batch_size=500,
            default_user=user,
            default_change_reason=f"Decision carried by {revision.label}",
        )
    notify(notes)


def _carry_forward(open_proposals: list[Proposal], revision: Revision, user: Any) -> None:
    """Rebase open proposals onto the new revision, in bulk but with a history row each."""
    notes: list[Notification] = []
    rebased: list[Proposal] = []
    stuck: list[Proposal] = []
    unchanged: list[Proposal] = []
    for proposal in open_proposals:
        current = proposal.element.text
        if proposal.kind in {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER} or (
            proposal.base_text == current
        ):
            outcome = "unchanged"
        elif proposal.kind == ProposalKind.COMMENT:
            proposal.set_texts(current, current)
            outcome = "rebased"
        elif proposal.kind == ProposalKind.DELETE:
            proposal.set_texts(current, "")
            outcome = Carried.REBASED
        else:
            result = diff.apply_patch(proposal.patch, current)
            if result.applied:
                proposal.set_texts(current, result.text)
                outcome = Carried.REBASED
            else:
                outcome = Carried.STUCK
        proposal.base_revision = revision
        if outcome == Carried.STUCK:
            proposal.status = ProposalStatus.NEEDS_REBASE
            stuck.append(proposal)
        else:
            if proposal.status == ProposalStatus.NEEDS_REBASE:
                proposal.status = ProposalStatus.SUBMITTED
            (rebased if outcome == Carried.REBASED else unchanged).append(proposal)
        if outcome != Carried.UNCHANGED:
            notes.append(
                Notification(
                    delegation_id=proposal.delegation_id,
                    proposal=proposal,
                    kind=NotificationKind.REVISION,
                    message=(
                        _("%(revision)s is issued: your open proposal was re-applied to its text.")
                        if outcome == "rebased"
                        else _(
                            "%(revision)s is issued: your open proposal no longer applies to "
                            "its text and needs to be rebased by your delegation."
                        )
                    )
                    % {"revision": revision.label},
                )
            )
    fields = ["base_revision", "status", "base_text", "proposed_text", "patch", "diff"]
    for batch, reason in (
        (unchanged, f"Carried forward to {revision.label}"),
        (rebased, f"Carried forward to {revision.label}"),
        (stuck, f"Needs rebase onto {revision.label}"),
    ):
        if batch:
            bulk_update_with_history(
                batch,
                Proposal,
                fields,
                batch_size=500,
                default_user=user,
                default_change_reason=reason,
            )
    notify(notes)
