"""What the chair's writers share (:mod:`decisions`, :mod:`elements`): the chair's permission
check, locking proposals for a decision through the write gate, and writing an element's
text, status or insertion with its history and an :class:`ElementChange` saying where it came
from.

Nothing here opens the gate or a transaction: each caller is a service that has done both.
"""

from collections.abc import Collection, Sequence

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from drafting import messages
from drafting.access import permissions
from drafting.models import (
    Element,
    ElementChange,
    ElementKind,
    Notification,
    NotificationKind,
    Proposal,
    ProposalKind,
    ProposalStatus,
)
from drafting.services.gate import DocumentGate
from drafting.services.notifications import notify
from drafting.text import validation
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid

DECIDABLE = frozenset({ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED})
TEXT_KINDS = frozenset(
    {ProposalKind.AMEND, ProposalKind.ADD_BRACKETS, ProposalKind.REMOVE_BRACKETS}
)
INSERTABLE = frozenset({ElementKind.THEME, ElementKind.SUBTHEME, ElementKind.PARAGRAPH})


def require_chair(user, document) -> None:
    if not permissions.can_decide(user, document):
        raise NotAllowed(_("Only the chair's office decides on proposals and edits the draft."))


def delegation_names(proposals: list[Proposal]) -> str:
    return ", ".join(sorted({p.delegation.short_name for p in proposals}))


def record_change(
    *,
    gate: DocumentGate,
    element: Element,
    user,
    action: str,
    before_text: str,
    before_status: str,
    reason: str,
    proposals: Sequence[Proposal] = (),
    chair: bool = False,
    undoes: ElementChange | None = None,
) -> ElementChange:
    """Record one change to the working draft (the only place one is made), numbered with
    the version ``gate`` made: what changed since a reader's visit is asked by that number,
    in commit order. ``undoes``: the change this one takes back (a decision undone)."""
    change = ElementChange.objects.create(
        document_id=element.document_id,
        document_version=gate.document.version,
        element=element,
        action=action,
        before_text=before_text,
        after_text=element.text,
        before_status=before_status,
        after_status=element.status,
        is_chair_proposal=chair,
        reason=reason[:300],
        made_by=user,
        undoes=undoes,
    )
    if proposals:
        change.proposals.set(proposals)
    return change


def write_text(
    gate: DocumentGate,
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
    save_element(element, user, reason)
    record_change(
        gate=gate,
        element=element,
        user=user,
        action=ElementChange.Action.TEXT,
        before_text=before,
        before_status=element.status,
        reason=reason,
        proposals=proposals,
        chair=chair,
    )


def write_status(
    gate: DocumentGate,
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
    save_element(element, user, reason)
    record_change(
        gate=gate,
        element=element,
        user=user,
        action=ElementChange.Action.STATUS,
        before_text=element.text,
        before_status=before,
        reason=reason,
        proposals=proposals,
        chair=chair,
    )


def save_element(element: Element, user, reason: str) -> None:
    element._history_user = user
    element._change_reason = reason[:100]
    element.save()


def decide(proposal: Proposal, user, status: str, note: str) -> None:
    proposal.status = status
    proposal.decided_by = user
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.updated_at = timezone.now()
    proposal._history_user = user
    # The history is read on the proposal's page: the decision in words, not its code.
    proposal._change_reason = f"Chair's decision: {proposal.get_status_display()}"
    proposal.save()
    message = _("The chair's office decided on your proposal: %(status)s.") % {
        "status": proposal.get_status_display()
    } + (f" {note}" if note else "")
    # The whole note is on the proposal; the notification (500 characters) links to it.
    limit = Notification._meta.get_field("message").max_length
    if limit is not None and len(message) > limit:
        message = message[: limit - 1] + "…"
    notify(
        [
            Notification(
                delegation_id=proposal.delegation_id,
                proposal=proposal,
                kind=NotificationKind.DECISION,
                message=message,
            )
        ]
    )


def checked_note(note: str) -> str:
    note = validation.normalise(note)
    problems = messages.text_problems(validation.check_note(note))
    if problems:
        raise ProposalInvalid({"note": problems})
    return note


def checked_text(text: str) -> str:
    text = validation.normalise(text)
    problems = messages.text_problems(validation.check_element_text(text))
    if problems:
        raise ProposalInvalid({"text": problems})
    return text


def lock_decidable(
    gate: DocumentGate, proposals: list[Proposal], decidable: Collection[str] = DECIDABLE
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


def shift_siblings(gate: DocumentGate, parent_id: int | None, from_position: int, user) -> None:
    """Make room at ``from_position``: later siblings move down one, each with a history row.

    Two statements and one insert of history rows however many siblings move (one save each
    made inserting near the top of a long list slow: 300 siblings, 600 statements). Each
    statement moves every sibling by the same amount, so no two ever share a place, which
    the position's unique index checks row by row, in whatever order the rows are updated:
    first out of the way, then back to one below where each was. Out of the way is two past
    the last: every place a sibling is moved back to (at most the last + 1) is then below
    every place one waits in (at least 0 + the last + 2; one past would collide when the
    first sibling is at 0)."""
    siblings = gate.siblings_from(parent_id=parent_id, position=from_position)
    if not siblings:
        return
    out_of_the_way = siblings[0].position + 2  # they come last first
    moving = Element.objects.filter(pk__in=[sibling.pk for sibling in siblings])
    moving.update(position=F("position") + out_of_the_way)
    moving.update(position=F("position") - out_of_the_way + 1)
    for sibling in siblings:
        sibling.position += 1
    Element.history.bulk_history_create(
        siblings,
        update=True,
        default_user=user,
        default_change_reason="Moved down to make room for an insertion",
    )


def insert_element(
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
    shift_siblings(gate, parent_id, position, user)
    element = Element(
        document_id=after.document_id,
        parent_id=parent_id,
        position=position,
        kind=kind,
        text=text,
        provisional=True,
    )
    save_element(element, user, reason)
    record_change(
        gate=gate,
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
