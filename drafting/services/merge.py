"""The chair's office merges proposals into the working draft.

Every writer here goes through the document's write gate (:mod:`drafting.services.gate`):
it locks the Document row first, then the proposals it decides, then the elements it
changes, in that order and no other, so two chairs never deadlock and each write bumps
``Document.version``. Changes are applied through ``Model.save`` so the history records them,
with an :class:`ElementChange` naming the proposals the change came from. Two people
accepting on one element at once are served in turn: the second applies its patch to the
text the first left, fuzzily, or is told of a conflict. Nothing is half-applied.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import permissions
from drafting.audit import audited, record
from drafting.errors import DomainError, MergeConflict, NotAllowed, ProposalInvalid
from drafting.models import (
    Element,
    ElementChange,
    ElementKind,
    ElementStatus,
    Notification,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Revision,
)
from drafting.models.audit import AuditAction
from drafting.services.gate import DocumentGate, open_gate
from drafting.services.idempotency import idempotent
from drafting.services.proposals import _problem_messages
from drafting.text import diff, validation

DECIDABLE = {ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED}
TEXT_KINDS = {ProposalKind.AMEND, ProposalKind.ADD_BRACKETS, ProposalKind.REMOVE_BRACKETS}
INSERT_KINDS = {ProposalKind.INSERT_AFTER, ProposalKind.FILL_PLACEHOLDER}
INSERTABLE = {ElementKind.THEME, ElementKind.SUBTHEME, ElementKind.PARAGRAPH}


def _require_chair(user, document) -> None:
    if not permissions.can_decide(user, document):
        raise NotAllowed(_("Only the chair's office decides on proposals and edits the draft."))


def _names(proposals: list[Proposal]) -> str:
    return ", ".join(sorted({p.delegation.short_name for p in proposals}))


def _record(
    *,
    element: Element,
    user,
    action: str,
    before_text: str,
    before_status: str,
    reason: str,
    proposals: Sequence[Proposal] = (),
    chair: bool = False,
) -> ElementChange:
    change = ElementChange.objects.create(
        document_id=element.document_id,
        element=element,
        action=action,
        before_text=before_text,
        after_text=element.text,
        before_status=before_status,
        after_status=element.status,
        is_chair_proposal=chair,
        reason=reason[:300],
        made_by=user,
    )
    if proposals:
        change.proposals.set(proposals)
    return change


def _write_text(
    element: Element,
    user,
    text: str,
    reason: str,
    proposals: list[Proposal],
    chair: bool = False,
) -> None:
    """Set the element's text, save it with history, and record where it came from."""
    before = element.text
    element.text = text
    _save_element(element, user, reason)
    _record(
        element=element,
        user=user,
        action=ElementChange.Action.TEXT,
        before_text=before,
        before_status=element.status,
        reason=reason,
        proposals=proposals,
        chair=chair,
    )


def _write_status(
    element: Element,
    user,
    status: str,
    reason: str,
    proposals: Sequence[Proposal] = (),
    chair: bool = False,
) -> None:
    """Set the element's status, save it with history, and record why."""
    before = element.status
    element.status = status
    _save_element(element, user, reason)
    _record(
        element=element,
        user=user,
        action=ElementChange.Action.STATUS,
        before_text=element.text,
        before_status=before,
        reason=reason,
        proposals=proposals,
        chair=chair,
    )


def _save_element(element: Element, user, reason: str) -> None:
    element._history_user = user
    element._change_reason = reason[:100]
    element.save()


def _decide(proposal: Proposal, user, status: str, note: str) -> None:
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.updated_at = timezone.now()
    proposal._history_user = user
    proposal._change_reason = f"Chair's decision: {status}"
    proposal.save()
    message = _("The chair's office decided on your proposal: %(status)s.") % {
        "status": proposal.get_status_display()
    } + (f" {note}" if note else "")
    # The whole note is on the proposal; the notification (500 characters) links to it.
    limit = Notification._meta.get_field("message").max_length
    if limit is not None and len(message) > limit:
        message = message[: limit - 1] + "…"
    Notification.objects.create(
        delegation_id=proposal.delegation_id, proposal=proposal, message=message
    )


def _changed_ranges(base: str, proposed: str) -> list[tuple[int, int]]:
    """Spans of ``base`` (start, end) that a change touches; an insertion is a point."""
    ranges, position = [], 0
    for segment in diff.word_diff(base, proposed):
        if segment.op == "equal":
            position += len(segment.text)
        elif segment.op == "delete":
            ranges.append((position, position + len(segment.text)))
            position += len(segment.text)
        else:
            ranges.append((position, position))
    return ranges


def _alone(proposal: Proposal, text: str) -> str | None:
    """What the proposal alone would make of ``text``, or None when it does not apply."""
    result = diff.apply_patch(proposal.patch, text)
    return result.text if result.applied else None


def _overlap(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> bool:
    return any(a0 <= b1 and b0 <= a1 for a0, a1 in first for b0, b1 in second)


def _note_text(note: str) -> str:
    note = validation.normalise(note)
    problems = _problem_messages(validation.check_note(note))
    if problems:
        raise ProposalInvalid({"note": problems})
    return note


def _checked_text(text: str) -> str:
    text = validation.normalise(text)
    problems = _problem_messages(validation.check_element_text(text))
    if problems:
        raise ProposalInvalid({"text": problems})
    return text


def _lock_proposals(
    gate: DocumentGate, proposals: list[Proposal], decidable=DECIDABLE
) -> list[Proposal]:
    """Lock the proposals through the gate; each must be of the document, decidable, and at
    the version the caller read (``proposal.version`` as passed)."""
    locked = gate.proposals(
        Proposal.objects.select_related("delegation", "element").filter(
            pk__in=[p.pk for p in proposals]
        )
    )
    if len(locked) != len({p.pk for p in proposals}):
        raise DomainError(_("Only proposals on this document can be decided here."))
    seen = {p.pk: p.version for p in proposals}
    for proposal in locked:
        if proposal.version != seen[proposal.pk]:
            # A decision is given to the text the chair read, not to whatever it became.
            raise DomainError(
                _(
                    "%(delegation)s revised its proposal since you read it (it is now version "
                    "%(version)s). Nothing was decided: read it again."
                )
                % {"delegation": proposal.delegation.short_name, "version": proposal.version}
            )
        if proposal.status not in decidable:
            raise DomainError(
                _("The proposal of %(delegation)s is %(status)s: it cannot be decided now.")
                % {
                    "delegation": proposal.delegation.short_name,
                    "status": proposal.get_status_display(),
                }
            )
    return locked


def _shift_siblings(gate: DocumentGate, parent_id: int | None, from_position: int, user) -> None:
    """Make room at ``from_position``: later siblings move down one, last first."""
    for sibling in gate.siblings_from(parent_id=parent_id, position=from_position):
        sibling.position += 1
        _save_element(sibling, user, "Moved down to make room for an insertion")


def _insert(
    *,
    gate: DocumentGate,
    user,
    after: Element,
    kind: str,
    text: str,
    fill: bool,
    reason: str,
    proposals: Sequence[Proposal] = (),
    chair: bool = False,
) -> Element:
    """A new element, provisional until the next revision renumbers.

    Filling an empty bullet puts the new element just before it, so the bullet stays open
    for more proposals; a sub-theme proposed after a theme goes inside that theme.
    """
    if kind == ElementKind.SUBTHEME and after.kind == ElementKind.THEME and not fill:
        parent_id: int | None = after.pk
        last = Element.objects.filter(parent_id=after.pk).order_by("-position").first()
        position = (
            0
            if last is None
            else (last.position if last.kind == ElementKind.PLACEHOLDER else last.position + 1)
        )
    else:
        parent_id = after.parent_id
        position = after.position if fill else after.position + 1
    _shift_siblings(gate, parent_id, position, user)
    element = Element(
        document_id=after.document_id,
        parent_id=parent_id,
        position=position,
        kind=kind,
        text=text,
        provisional=True,
    )
    _save_element(element, user, reason)
    _record(
        element=element,
        user=user,
        action=ElementChange.Action.INSERT,
        before_text="",
        before_status="",
        reason=reason,
        proposals=proposals,
        chair=chair,
    )
    return element


@idempotent("proposal_accept")
@transaction.atomic
@audited(AuditAction.PROPOSAL_ACCEPTED)
def proposal_accept(*, user, proposals: list[Proposal], note: str = "") -> list[Element]:
    """Accept one or several proposals; their changes apply to the current working text.

    Patches apply fuzzily where earlier accepted changes moved the text, but a proposal
    counts as applied only when every hunk of its patch applied. Proposals on one element
    that change overlapping words, a patch that no longer applies, or a deletion accepted
    together with an amendment raise :class:`MergeConflict` and nothing is written.
    """
    if not proposals:
        raise DomainError(_("Choose at least one proposal."))
    _require_chair(user, proposals[0].document)
    note = _note_text(note)
    gate = open_gate(proposals[0].document_id)
    locked = _lock_proposals(gate, proposals)
    by_element: dict[int, list[Proposal]] = defaultdict(list)
    for proposal in locked:
        by_element[proposal.element_id].append(proposal)
    elements = {e.pk: e for e in gate.elements(list(by_element))}
    changed: list[Element] = []
    for element_id, batch in by_element.items():
        element = elements[element_id]
        changed.extend(_accept_on_element(gate, element, batch, user))
    for proposal in locked:
        _decide(proposal, user, ProposalStatus.ACCEPTED, note)
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
            attempts=[(p, None) for p in deletions + text_batch],
        )
    for first_index, first in enumerate(text_batch):
        for second in text_batch[first_index + 1 :]:
            if first.base_text == second.base_text and _overlap(
                _changed_ranges(first.base_text, first.proposed_text),
                _changed_ranges(second.base_text, second.proposed_text),
            ):
                raise MergeConflict(
                    _("The proposals of %(first)s and %(second)s change the same words.")
                    % {
                        "first": first.delegation.short_name,
                        "second": second.delegation.short_name,
                    },
                    element=element,
                    current_text=element.text,
                    attempts=[(first, None), (second, None)],
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
                % {"problem": _problem_messages(problems)[0]},
                element=element,
                current_text=element.text,
                attempts=attempts,
            )
        reason = _("Accepted: proposal of %(names)s") % {"names": _names(text_batch)}
        _write_text(element, user, text, reason, text_batch)
        changed.append(element)
    if deletions:
        reason = _("Deleted: proposal of %(names)s") % {"names": _names(deletions)}
        _write_status(element, user, ElementStatus.DELETED, reason, deletions)
        changed.append(element)
    anchor = element
    for proposal in [p for p in batch if p.kind in INSERT_KINDS]:
        inserted = _insert(
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
@audited(AuditAction.PROPOSAL_ACCEPTED_WITH_CHANGES)
def proposal_accept_with_changes(
    *, user, proposal: Proposal, text: str, note: str = "", expected_text: str | None = None
) -> Element:
    """The chair edits the result; the change is linked to the proposal it came from.

    For a change to the element's text, ``expected_text`` is the text the chair edited from
    (by default the proposal's base text): when the element's text is no longer that,
    :class:`MergeConflict` is raised and nothing is written, so no change made meanwhile is
    overwritten.
    """
    _require_chair(user, proposal.document)
    note = _note_text(note)
    text = _checked_text(text)
    gate = open_gate(proposal.document_id)
    (locked,) = _lock_proposals(gate, [proposal])
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
        result = _insert(
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
        _write_text(element, user, text, reason, [locked])
        result = element
    _decide(locked, user, ProposalStatus.ACCEPTED_WITH_CHANGES, note)
    return result


@idempotent("proposal_reject")
@transaction.atomic
@audited(AuditAction.PROPOSAL_REJECTED)
def proposal_reject(*, user, proposal: Proposal, note: str = "") -> Proposal:
    _require_chair(user, proposal.document)
    note = _note_text(note)
    gate = open_gate(proposal.document_id)
    (locked,) = _lock_proposals(gate, [proposal])
    _decide(locked, user, ProposalStatus.REJECTED, note)
    return locked


@idempotent("proposal_defer")
@transaction.atomic
@audited(AuditAction.PROPOSAL_DEFERRED)
def proposal_defer(*, user, proposal: Proposal, note: str = "") -> Proposal:
    _require_chair(user, proposal.document)
    note = _note_text(note)
    gate = open_gate(proposal.document_id)
    (locked,) = _lock_proposals(gate, [proposal], decidable={ProposalStatus.SUBMITTED})
    _decide(locked, user, ProposalStatus.DEFERRED, note)
    return locked


@idempotent("element_compose")
@transaction.atomic
@audited(AuditAction.ELEMENT_COMPOSED)
def element_compose(
    *,
    user,
    element: Element,
    text: str,
    expected_text: str,
    cited: Sequence[Proposal] = (),
    note: str = "",
) -> Element:
    """The chair writes the element's text, often as bracketed alternatives, citing the
    proposals it draws on (they become "accepted with changes"). With nothing cited the
    change is recorded as the chair's proposal.

    ``expected_text`` is the text the chair started from: when someone changed the element
    meanwhile, :class:`MergeConflict` is raised and nothing is written.
    """
    _require_chair(user, element.document)
    note = _note_text(note)
    text = _checked_text(text)
    gate = open_gate(element.document_id)
    # Proposals before elements: the gate's order.
    cited_locked = _lock_proposals(gate, list(cited)) if cited else []
    if any(p.element_id != element.pk for p in cited_locked):
        raise DomainError(_("Only proposals on this element can be cited."))
    locked = gate.element(element.pk)
    if validation.normalise(expected_text) != locked.text:
        raise MergeConflict(
            _(
                "Someone changed this element while you were writing. Your text is kept below; "
                "compare it with the current text and save again."
            ),
            element=locked,
            current_text=locked.text,
            attempts=[],
        )
    if locked.status == ElementStatus.DELETED:
        raise DomainError(_("Restore the element (set its status) before editing its text."))
    if text == locked.text:
        raise ProposalInvalid({"text": [_("The text is unchanged.")]})
    if cited_locked:
        reason = _("Composed by the chair from proposals of %(names)s") % {
            "names": _names(cited_locked)
        }
    else:
        reason = _("Chair's proposal")
    _write_text(locked, user, text, reason, cited_locked, chair=not cited_locked)
    for proposal in cited_locked:
        _decide(proposal, user, ProposalStatus.ACCEPTED_WITH_CHANGES, note)
    return locked


@idempotent("element_insert")
@transaction.atomic
@audited(AuditAction.ELEMENT_INSERTED)
def element_insert(*, user, after: Element, kind: str, text: str) -> Element:
    """The chair inserts an element after another (numbered "bis" until the next revision)."""
    _require_chair(user, after.document)
    if kind not in {
        *INSERTABLE,
        ElementKind.AGENDA_ITEM,
        ElementKind.SECTION,
        ElementKind.PLACEHOLDER,
    }:
        raise ProposalInvalid({"kind": [_("Choose the kind of the new element.")]})
    text = "" if kind == ElementKind.PLACEHOLDER else _checked_text(text)
    gate = open_gate(after.document_id)
    anchor = gate.element(after.pk)
    return _insert(
        gate=gate,
        user=user,
        after=anchor,
        kind=kind,
        text=text,
        fill=False,
        reason=_("Chair's proposal: element inserted"),
        chair=True,
    )


@idempotent("element_move")
@transaction.atomic
@audited(AuditAction.ELEMENT_MOVED)
def element_move(*, user, element: Element, direction: str) -> Element:
    """Swap the element with its previous ("up") or next ("down") sibling."""
    _require_chair(user, element.document)
    if direction not in {"up", "down"}:
        raise ProposalInvalid({"direction": [_("Move up or down.")]})
    gate = open_gate(element.document_id)
    # Nothing but a gated writer changes an element's parent: read it, then lock the family.
    parent_id = Element.objects.filter(pk=element.pk).values_list("parent_id", flat=True).get()
    siblings = gate.elements(Element.objects.filter(parent_id=parent_id))
    locked = next(e for e in siblings if e.pk == element.pk)
    if direction == "up":
        earlier = [e for e in siblings if e.position < locked.position]
        neighbour = max(earlier, key=lambda e: e.position, default=None)
    else:
        later = [e for e in siblings if e.position > locked.position]
        neighbour = min(later, key=lambda e: e.position, default=None)
    if neighbour is None:
        raise DomainError(_("The element is already at the edge of its list."))
    spare = max(e.position for e in siblings) + 1
    own, other = locked.position, neighbour.position
    reason = _("Chair's proposal: element moved %(direction)s") % {"direction": direction}
    locked.position = spare
    _save_element(locked, user, reason)
    neighbour.position = own
    _save_element(neighbour, user, reason)
    locked.position = other
    _save_element(locked, user, reason)
    _record(
        element=locked,
        user=user,
        action=ElementChange.Action.MOVE,
        before_text=locked.text,
        before_status=locked.status,
        reason=reason,
        chair=True,
    )
    return locked


@idempotent("element_set_status")
@transaction.atomic
@audited(AuditAction.ELEMENT_STATUS_SET)
def element_set_status(
    *, user, element: Element, status: str, reopen: bool = False, note: str = ""
) -> Element:
    """Set pending, agreed ad referendum or deleted. A deleted element stays in the document
    (struck through in redlines). Re-opening agreed language must be asked for explicitly
    (``reopen=True``) and is logged as such."""
    _require_chair(user, element.document)
    if status not in ElementStatus.values:
        raise ProposalInvalid({"status": [_("Choose a status.")]})
    gate = open_gate(element.document_id)
    locked = gate.element(element.pk)
    if locked.status == status:
        raise DomainError(_("The element already has this status."))
    if locked.status == ElementStatus.AGREED and not reopen:
        raise DomainError(
            _(
                "This element is agreed ad referendum. Re-opening agreed language must be "
                "confirmed explicitly."
            )
        )
    label = ElementStatus(status).label
    if locked.status == ElementStatus.AGREED:
        reason = _("Re-opened agreed language (now %(status)s)") % {"status": label}
    else:
        reason = _("Status set to %(status)s") % {"status": label}
    if note:
        reason = f"{reason}: {_note_text(note)}"
    _write_status(locked, user, status, reason, chair=True)
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
    _require_chair(user, proposal.document)
    gate = open_gate(proposal.document_id)
    (locked,) = _lock_proposals(gate, [proposal], decidable=UNDOABLE)
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
                attempts=[(locked, change.before_text if change.action == "text" else None)],
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
        _save_element(element, user, undo_reason)
        undo = ElementChange.objects.create(
            document_id=element.document_id,
            element=element,
            action=(
                ElementChange.Action.TEXT
                if change.action == ElementChange.Action.TEXT
                else ElementChange.Action.STATUS
            ),
            before_text=before_text,
            after_text=element.text,
            before_status=before_status,
            after_status=element.status,
            reason=undo_reason[:300],
            made_by=user,
            undoes=change,
        )
        undo.proposals.set([locked])
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
    Notification.objects.create(
        delegation_id=locked.delegation_id,
        proposal=locked,
        message=_(
            "The chair's office corrected its decision on your proposal (it was %(status)s): "
            "the proposal is open again."
        )
        % {"status": undone},
    )
    record(
        action=AuditAction.DECISION_UNDONE,
        user=user,
        delegation_id=locked.delegation_id,
        document_id=locked.document_id,
        element_id=locked.element_id,
        proposal_id=locked.pk,
        summary=f"Was {undone}" + ("; text kept" if keep_text and len(plan) < len(made) else ""),
    )
    return locked
