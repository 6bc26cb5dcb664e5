"""The chair's office edits the working draft directly: compose an element's text (citing the
proposals it draws on), insert, move, and set an element's status.

Every writer here is keyword-only and atomic, and goes through the document's write gate
(:mod:`drafting.services.gate`): the Document row, then any proposals, then the elements, in
that order. Each writer writes its own audit row.
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from drafting.access import audit
from drafting.models import (
    Element,
    ElementChange,
    ElementKind,
    ElementStatus,
    Proposal,
    ProposalStatus,
)
from drafting.models.audit import AuditAction
from drafting.services.gate import open_gate
from drafting.services.idempotency import idempotent
from drafting.services.working_draft import (
    INSERTABLE,
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
from drafting.text import validation
from drafting.web.errors import DomainError, MergeConflict, ProposalInvalid


@idempotent("element_compose")
@transaction.atomic
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

    Locks through the gate: the Document row, the cited proposals, then the element.
    """
    require_chair(user, element.document)
    note = checked_note(note)
    text = checked_text(text)
    gate = open_gate(element.document_id)
    # Proposals before elements: the gate's order.
    cited_locked = lock_decidable(gate, list(cited)) if cited else []
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
            "names": delegation_names(cited_locked)
        }
    else:
        reason = _("Chair's proposal")
    write_text(gate, locked, user, text, reason, cited_locked, chair=not cited_locked)
    for proposal in cited_locked:
        decide(proposal, user, ProposalStatus.ACCEPTED_WITH_CHANGES, note)
    audit.record_element_act(action=AuditAction.ELEMENT_COMPOSED, user=user, element=locked)
    return locked


@idempotent("element_insert")
@transaction.atomic
def element_insert(*, user, after: Element, kind: str, text: str) -> Element:
    """The chair inserts an element after another (numbered "bis" until the next revision).

    Locks through the gate: the Document row, the element inserted after, then the later
    siblings it moves down."""
    require_chair(user, after.document)
    if kind not in {
        *INSERTABLE,
        ElementKind.AGENDA_ITEM,
        ElementKind.SECTION,
        ElementKind.PLACEHOLDER,
    }:
        raise ProposalInvalid({"kind": [_("Choose the kind of the new element.")]})
    text = "" if kind == ElementKind.PLACEHOLDER else checked_text(text)
    gate = open_gate(after.document_id)
    anchor = gate.element(after.pk)
    inserted = insert_element(
        gate=gate,
        user=user,
        after=anchor,
        kind=kind,
        text=text,
        fill=False,
        reason=_("Chair's proposal: element inserted"),
        chair=True,
    )
    audit.record_element_act(action=AuditAction.ELEMENT_INSERTED, user=user, element=inserted)
    return inserted


@idempotent("element_move")
@transaction.atomic
def element_move(*, user, element: Element, direction: str) -> Element:
    """Swap the element with its previous ("up") or next ("down") sibling.

    Locks through the gate: the Document row, then the element and its siblings."""
    require_chair(user, element.document)
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
    save_element(locked, user, reason)
    neighbour.position = own
    save_element(neighbour, user, reason)
    locked.position = other
    save_element(locked, user, reason)
    record_change(
        gate=gate,
        element=locked,
        user=user,
        action=ElementChange.Action.MOVE,
        before_text=locked.text,
        before_status=locked.status,
        reason=reason,
        chair=True,
    )
    audit.record_element_act(action=AuditAction.ELEMENT_MOVED, user=user, element=locked)
    return locked


@idempotent("element_set_status")
@transaction.atomic
def element_set_status(
    *, user, element: Element, status: str, reopen: bool = False, note: str = ""
) -> Element:
    """Set pending, agreed ad referendum or deleted. A deleted element stays in the document
    (struck through in redlines). Re-opening agreed language must be asked for explicitly
    (``reopen=True``) and is logged as such.

    Locks through the gate: the Document row, then the element."""
    require_chair(user, element.document)
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
        reason = f"{reason}: {checked_note(note)}"
    write_status(gate, locked, user, status, reason, chair=True)
    audit.record_element_act(action=AuditAction.ELEMENT_STATUS_SET, user=user, element=locked)
    return locked
