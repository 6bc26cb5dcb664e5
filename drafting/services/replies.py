"""A delegation's reply to the chair's note on the decision on its proposal: once, by the
proposing delegation, only when the chair's office left a note.

Keyword-only and atomic. A delegate's write takes its own rows only: the proposal's row
alone (``of=("self",)``, never the document's, which would invert the write gate's order),
and last the document's proposals version (`models.cache.proposals_changed`: the compilation
shows the reply).
"""

from django.db import transaction
from django.utils.translation import gettext as _

from drafting import messages
from drafting.access import audit, permissions
from drafting.models import DecisionReply, Proposal
from drafting.models.audit import AuditAction
from drafting.models.cache import proposals_changed
from drafting.models.proposal import DECIDED_STATUSES
from drafting.text import validation
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid


@transaction.atomic
def decision_reply(*, user, proposal: Proposal, text: str) -> DecisionReply:
    """Record the proposing delegation's one reply to the chair's note on the decision.

    Raises :class:`NotAllowed` for anyone but a delegate of the proposing delegation,
    :class:`DomainError` when the proposal is not decided, the chair left no note, or the
    delegation replied already, and :class:`ProposalInvalid` for an empty or too long reply.

    Locks: own rows only (the proposal's row alone)."""
    locked = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .get(pk=proposal.pk)
    )
    if not permissions.is_own_proposal(user, locked):
        raise NotAllowed(_("Only the proposing delegation can reply to the chair's note."))
    if locked.status not in DECIDED_STATUSES:
        raise DomainError(_("The chair's office has not decided on this proposal."))
    if not locked.decision_note.strip():
        raise DomainError(_("The chair's office left no note on this decision to reply to."))
    if DecisionReply.objects.filter(proposal=locked).exists():
        raise DomainError(_("Your delegation has already replied to the chair's note."))
    text = validation.normalise(text)
    problems = messages.text_problems(
        validation.check_note(text, max_length=DecisionReply.MAX_LENGTH)
    )
    if not text:
        problems.append(_("Write a reply."))
    if problems:
        raise ProposalInvalid({"text": problems})
    reply = DecisionReply.objects.create(
        proposal=locked,
        delegation=locked.delegation,
        decision_note=locked.decision_note,
        text=text,
        author=user,
    )
    audit.record(
        action=AuditAction.DECISION_REPLIED,
        user=user,
        delegation_id=locked.delegation_id,
        document_id=locked.document_id,
        element_id=locked.element_id,
        proposal_id=locked.pk,
        summary=f"{audit.proposal_summary(locked)} · reply: {text[:120]}",
    )
    proposals_changed(locked.document_id)
    return reply
