"""The chair's office decides on proposals: accept (several at once), accept with changes,
reject, defer, and undo a decision before a revision carries it.

Every writer here is keyword-only and atomic, and goes through the document's write gate
(:mod:`drafting.services.gate`): the Document row first, then the proposals it decides, then
the elements it changes, in that order and no other, so two chairs never deadlock and each
write bumps ``Document.version``. Changes are applied through ``Model.save`` so the history
records them, with an :class:`ElementChange` naming the proposals the change came from. Two
people accepting on one element at once are served in turn: the second applies its patch to
the text the first left, fuzzily, or is told of a conflict. Nothing is half-applied. Each
writer writes its own audit rows.
"""

from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import messages
from drafting.access import audit
from drafting.models import (
    INSERT_KINDS,
    Element,
    ElementChange,
    ElementStatus,
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
from drafting.services.notifications import notify
from drafting.services.working_draft import (
    TEXT_KINDS,
    checked_note,
    checked_text,
    decide,
    delegation_names,
    insert_element,
    lock_decidable,
    record_change,
    require_chair,
    save_element,
    write_status,
    write_text,
)
from drafting.text import diff, validation
from drafting.text.diff import Operation
from drafting.web.errors import DomainError, MergeConflict


def _changed_ranges(base: str, proposed: str) -> list[tuple[int, int]]:
    """Spans of ``base`` (start, end) that a change touches; an insertion is a point."""
    ranges, position = [], 0
    for segment in diff.word_diff(base, proposed):
        if segment.op == Operation.EQUAL:
            position += len(segment.text)
        elif segment.op == Operation.DELETE:
            ranges.append((position, position + len(segment.text)))
            position += len(segment.text)
        else:
            ranges.append((position, position))
    return ranges


def _overlap(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> bool:
    return any(a0 <= b1 and b0 <= a1 for a0, a1 in first for b0, b1 in second)


def _overlap_words(
    base: str, first: list[tuple[int, int]], second: list[tuple[int, int]]
) -> str | None:
    """The words of ``base`` that both changes touch (widened to whole words; the word at an
    insertion point), or None when they touch none in common."""
    spans = [
        (max(a0, b0), min(a1, b1)) for a0, a1 in first for b0, b1 in second if a0 <= b1 and b0 <= a1
    ]
    if not spans:
        return None
    start, end = min(s for s, _e in spans), max(e for _s, e in spans)
    while start > 0 and not base[start - 1].isspace():
        start -= 1
    while end < len(base) and not base[end].isspace():
        end += 1
    return base[start:end].strip() or base.strip()[:60]


def _alone(proposal: Proposal, text: str) -> str | None:
    """The text ``proposal`` alone would give from ``text``, or None when it does not apply."""
    result = diff.apply_patch(proposal.patch, text)
    return result.text if result.applied else None


def proposer_name(proposal: Proposal) -> str:
    """Who made a proposal, as a conflict names it: "Kenya on behalf of the African Group"."""
    name = proposal.delegation.short_name
    group = proposal.on_behalf_of if proposal.on_behalf_of_id else None
    if group is not None:
        return _("%(delegation)s on behalf of %(group)s") % {
            "delegation": name,
            "group": group.short_name,
        }
    return name


@idempotent("proposal_accept")
@transaction.atomic
def proposal_accept(*, user, proposals: list[Proposal], note: str = "") -> list[Element]:
    """Accept one or several proposals; their changes apply to the current working text.

    Patches apply fuzzily where earlier accepted changes moved the text, but a proposal
    counts as applied only when every hunk of its patch applied. Proposals on one element
    that change overlapping words, a patch that no longer applies, or a deletion accepted
    together with an amendment raise :class:`MergeConflict` and nothing is written.

    Locks through the gate: the Document row, the proposals, then the elements they change.
    """
    if not proposals:
        raise DomainError(_("Choose at least one proposal."))
    require_chair(user, proposals[0].document)
    note = checked_note(note)
    gate = open_gate(proposals[0].document_id)
    locked = lock_decidable(gate, proposals)
    by_element: dict[int, list[Proposal]] = defaultdict(list)
    for proposal in locked:
        by_element[proposal.element_id].append(proposal)
    elements = {e.pk: e for e in gate.elements(list(by_element))}
    changed: list[Element] = []
    for element_id, batch in by_element.items():
        element = elements[element_id]
        changed.extend(_accept_on_element(gate, element, batch, user))
    for proposal in locked:
        decide(proposal, user, ProposalStatus.ACCEPTED, note)
        audit.record_proposal_act(
            action=AuditAction.PROPOSAL_ACCEPTED, user=user, proposal=proposal
        )
    return changed


def _accept_on_element(
    gate: DocumentGate, element: Element, batch: list[Proposal], user
) -> list[Element]:
    if element.status == ElementStatus.DELETED and any(
        p.kind != ProposalKind.COMMENT for p in batch
    ):
        raise MergeConflict(
            _("This element has been deleted; write the text yourself if it is to come back."),
            element=element,
            current_text=element.text,
            attempts=[(p, None) for p in batch],
        )
    text_batch = [p for p in batch if p.kind in TEXT_KINDS]
    deletions = [p for p in batch if p.kind == ProposalKind.DELETE]
    if deletions and text_batch:
        raise MergeConflict(
            _("A deletion and an amendment of the same element cannot both be accepted."),
            element=element,
            current_text=element.text,
            attempts=[(p, None) for p in deletions]
            + [(p, _alone(p, element.text)) for p in text_batch],
        )
    for first_index, first in enumerate(text_batch):
        for second in text_batch[first_index + 1 :]:
            if first.base_text != second.base_text:
                continue
            shared = _overlap_words(
                first.base_text,
                _changed_ranges(first.base_text, first.proposed_text),
                _changed_ranges(second.base_text, second.proposed_text),
            )
            if shared is None:
                continue
            first_name, second_name = proposer_name(first), proposer_name(second)
            values = {"first": first_name, "second": second_name, "words": shared}
            if first_name == second_name:
                message = _(
                    "Two proposals of %(first)s change the same words (“%(words)s”): each "
                    "applies alone, not both together."
                )
            else:
                message = _(
                    "The proposals of %(first)s and %(second)s change the same words "
                    "(“%(words)s”): each applies alone, not both together."
                )
            raise MergeConflict(
                message % values,
                element=element,
                current_text=element.text,
                attempts=[(p, _alone(p, element.text)) for p in (first, second)],
                overlap=shared,
            )
    changed: list[Element] = []
    if text_batch:
        text, attempts = element.text, []
        for proposal in text_batch:
            result = diff.apply_patch(proposal.patch, text)
            attempts.append((proposal, result.text if result.applied else None))
            if not result.applied:
                raise MergeConflict(
                    _(
                        "The change proposed by %(delegation)s no longer applies to the "
                        "current text."
                    )
                    % {"delegation": proposal.delegation.short_name},
                    element=element,
                    current_text=element.text,
                    attempts=attempts,
                )
            text = result.text
        problems = validation.check_element_text(text)
        if problems:
            raise MergeConflict(
                _("Together these changes leave the text invalid: %(problem)s")
                % {"problem": messages.text_problems(problems)[0]},
                element=element,
                current_text=element.text,
                attempts=attempts,
            )
        reason = _("Accepted: proposal of %(names)s") % {"names": delegation_names(text_batch)}
        write_text(gate, element, user, text, reason, text_batch)
        changed.append(element)
    if deletions:
        reason = _("Deleted: proposal of %(names)s") % {"names": delegation_names(deletions)}
        write_status(gate, element, user, ElementStatus.DELETED, reason, deletions)
        changed.append(element)
    anchor = element
    for proposal in [p for p in batch if p.kind in INSERT_KINDS]:
        inserted = insert_element(
            gate=gate,
            user=user,
            after=anchor,
            kind=proposal.new_element_kind,
            text=proposal.proposed_text,
            fill=proposal.kind == ProposalKind.FILL_PLACEHOLDER,
            reason=_("Inserted: proposal of %(names)s") % {"names": proposal.delegation.short_name},
            proposals=[proposal],
        )
        if proposal.kind == ProposalKind.INSERT_AFTER:
            anchor = inserted
        changed.append(inserted)
    return changed


@idempotent("proposal_accept_with_changes")
@transaction.atomic
def proposal_accept_with_changes(
    *, user, proposal: Proposal, text: str, note: str = "", expected_text: str | None = None
) -> Element:
    """The chair edits the result; the change is linked to the proposal it came from.

    For a change to the element's text, ``expected_text`` is the text the chair edited from
    (by default the proposal's base text): when the element's text is no longer that,
    :class:`MergeConflict` is raised and nothing is written, so no change made meanwhile is
    overwritten.

    Locks through the gate: the Document row, the proposal, then its element (and the
    siblings an insertion moves down).
    """
    require_chair(user, proposal.document)
    note = checked_note(note)
    text = checked_text(text)
    gate = open_gate(proposal.document_id)
    (locked,) = lock_decidable(gate, [proposal])
    element = gate.element(locked.element_id)
    if locked.kind not in INSERT_KINDS:
        expected = locked.base_text if expected_text is None else expected_text
        if validation.normalise(expected) != element.text:
            raise MergeConflict(
                _(
                    "The text changed since this proposal was made. Your text is kept below; "
                    "compare it with the current text and save again."
                ),
                element=element,
                current_text=element.text,
                attempts=[(locked, text)],
            )
    reason = _("Accepted with changes: proposal of %(names)s") % {
        "names": locked.delegation.short_name
    }
    if locked.kind in INSERT_KINDS:
        result = insert_element(
            gate=gate,
            user=user,
            after=element,
            kind=locked.new_element_kind,
            text=text,
            fill=locked.kind == ProposalKind.FILL_PLACEHOLDER,
            reason=reason,
            proposals=[locked],
        )
    else:
        write_text(gate, element, user, text, reason, [locked])
        result = element
    decide(locked, user, ProposalStatus.ACCEPTED_WITH_CHANGES, note)
    audit.record_proposal_act(
        action=AuditAction.PROPOSAL_ACCEPTED_WITH_CHANGES, user=user, proposal=locked
    )
    return result


@idempotent("proposal_reject")
@transaction.atomic
def proposal_reject(*, user, proposal: Proposal, note: str = "") -> Proposal:
    """Reject a submitted or deferred proposal, with a note to its delegation.

    Locks through the gate: the Document row, then the proposal."""
    require_chair(user, proposal.document)
    note = checked_note(note)
    gate = open_gate(proposal.document_id)
    (locked,) = lock_decidable(gate, [proposal])
    decide(locked, user, ProposalStatus.REJECTED, note)
    audit.record_proposal_act(action=AuditAction.PROPOSAL_REJECTED, user=user, proposal=locked)
    return locked


@idempotent("proposal_defer")
@transaction.atomic
def proposal_defer(*, user, proposal: Proposal, note: str = "") -> Proposal:
    """Defer a submitted proposal (its marks are frozen); it can be decided later.

    Locks through the gate: the Document row, then the proposal."""
    require_chair(user, proposal.document)
    note = checked_note(note)
    gate = open_gate(proposal.document_id)
    (locked,) = lock_decidable(gate, [proposal], decidable={ProposalStatus.SUBMITTED})
    decide(locked, user, ProposalStatus.DEFERRED, note)
    audit.record_proposal_act(action=AuditAction.PROPOSAL_DEFERRED, user=user, proposal=locked)
    return locked


UNDOABLE = {
    ProposalStatus.ACCEPTED,
    ProposalStatus.ACCEPTED_WITH_CHANGES,
    ProposalStatus.REJECTED,
    ProposalStatus.DEFERRED,
}


def carried_by_a_revision(decision: Any, last_issued_at: datetime | None) -> bool:
    """Whether an issued revision carries the decision on a proposal (it can no longer be
    undone): a decision is ``reflected_in`` one; a deferral is carried forward by the
    revision issued after it (``last_issued_at``: when the latest revision was issued).

    ``decision`` is a proposal, or anything with its ``status``, ``decided_at`` and
    ``reflected`` (a compilation entry)."""
    reflected = getattr(decision, "reflected", None)
    if reflected is None:
        reflected = decision.reflected_in_id is not None
    if reflected:
        return True
    return (
        decision.status == ProposalStatus.DEFERRED
        and last_issued_at is not None
        and decision.decided_at is not None
        and last_issued_at >= decision.decided_at
    )


@idempotent("decision_undo")
@transaction.atomic
def decision_undo(*, user, proposal: Proposal, keep_text: bool = False) -> Proposal:
    """Take back the chair's decision on a proposal, before the next revision carries it.

    Through the write gate: the document, the proposal, then the elements its decision
    changed. The proposal is open (submitted) again and its delegation is told. Each change
    the decision made to the working draft is taken back exactly (the text, status or
    insertion it made) when nothing changed the element since; otherwise
    :class:`MergeConflict` is raised and nothing is written, unless ``keep_text`` asks to
    undo the decision alone and leave the text as it stands (the chair then writes it).
    Every change taken back is recorded as an :class:`ElementChange` that ``undoes`` it.
    """
    require_chair(user, proposal.document)
    gate = open_gate(proposal.document_id)
    (locked,) = lock_decidable(gate, [proposal], decidable=UNDOABLE)
    last_issued_at = (
        Revision.objects.filter(document_id=locked.document_id)
        .order_by("-number")
        .values_list("issued_at", flat=True)
        .first()
    )
    if carried_by_a_revision(locked, last_issued_at):
        raise DomainError(
            _("This decision is already carried by an issued revision; it cannot be undone.")
        )
    made = list(
        locked.element_changes.filter(undoes__isnull=True, undone_by__isnull=True)
        .prefetch_related("proposals")
        .order_by("pk")
    )
    elements = {e.pk: e for e in gate.elements({c.element_id for c in made})}
    undo_reason = _("Decision undone: proposal of %(names)s") % {
        "names": locked.delegation.short_name
    }
    plan = []
    for change in made:
        element = elements[change.element_id]
        others = [p for p in change.proposals.all() if p.pk != locked.pk]
        later = (
            element.changes.filter(pk__gt=change.pk, undoes__isnull=True, undone_by__isnull=True)
            .exclude(action=ElementChange.Action.MOVE)
            .exists()
        )
        # Something built inside an inserted element (a sub-theme, a paragraph) is a later
        # change too: taking the insertion out would leave it under a deleted element.
        built_inside = (
            change.action == ElementChange.Action.INSERT
            and Element.objects.filter(parent_id=element.pk)
            .exclude(status=ElementStatus.DELETED)
            .exists()
        )
        unchanged = (
            not others
            and not later
            and not built_inside
            and element.text == change.after_text
            and element.status == change.after_status
        )
        if not unchanged and not keep_text:
            raise MergeConflict(
                _(
                    "The text changed after this decision (or the change carried other "
                    "proposals too), so it cannot be taken back exactly. Write the text "
                    "yourself, or undo the decision alone and keep the text as it is."
                ),
                element=element,
                current_text=element.text,
                attempts=[
                    (
                        locked,
                        change.before_text if change.action == ElementChange.Action.TEXT else None,
                    )
                ],
            )
        if not unchanged and change.action == ElementChange.Action.INSERT:
            # Kept, the inserted element would stay while its proposal is open again, and
            # accepting it again would insert it twice.
            raise DomainError(
                _(
                    "The element this decision inserted has changed since; its decision cannot "
                    "be undone alone. Delete or edit the element itself instead."
                )
            )
        if unchanged:
            plan.append((change, element))
    for change, element in plan:
        before_text, before_status = element.text, element.status
        if change.action == ElementChange.Action.TEXT:
            element.text = change.before_text
        elif change.action == ElementChange.Action.STATUS:
            element.status = change.before_status
        elif change.action == ElementChange.Action.INSERT:
            # An inserted element is taken out: deleted, and left out of the clean text.
            element.status = ElementStatus.DELETED
        save_element(element, user, undo_reason)
        record_change(
            gate=gate,
            element=element,
            user=user,
            action=(
                ElementChange.Action.TEXT
                if change.action == ElementChange.Action.TEXT
                else ElementChange.Action.STATUS
            ),
            before_text=before_text,
            before_status=before_status,
            reason=undo_reason,
            proposals=[locked],
            undoes=change,
        )
    undone = locked.get_status_display()
    # Open again as it was before the decision: submitted, or deferred (a deferred proposal
    # decided later goes back to deferred, its marks still frozen).
    before = locked.history.exclude(status=locked.status).order_by("-history_id").first()
    if before is not None and before.status == ProposalStatus.DEFERRED:
        locked.status = ProposalStatus.DEFERRED
        locked.decided_by_id, locked.decided_at = before.decided_by_id, before.decided_at
        locked.decision_note = before.decision_note
    else:
        locked.status = ProposalStatus.SUBMITTED
        locked.decided_by = None
        locked.decided_at = None
        locked.decision_note = ""
    locked.updated_at = timezone.now()
    locked._history_user = user
    locked._change_reason = f"Decision undone (was {undone})"
    locked.save()
    notify(
        [
            Notification(
                delegation_id=locked.delegation_id,
                proposal=locked,
                kind=NotificationKind.DECISION,
                message=_(
                    "The chair's office corrected its decision on your proposal (it was "
                    "%(status)s): the proposal is open again."
                )
                % {"status": undone},
            )
        ]
    )
    audit.record(
        action=AuditAction.DECISION_UNDONE,
        user=user,
        delegation_id=locked.delegation_id,
        document_id=locked.document_id,
        element_id=locked.element_id,
        proposal_id=locked.pk,
        summary=f"Was {undone}" + ("; text kept" if keep_text and len(plan) < len(made) else ""),
    )
    return locked
