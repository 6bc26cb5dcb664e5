"""The proposing delegation's one reply to the chair's note on a decision."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from drafting import selectors
from drafting.access import permissions
from drafting.forms import DecisionReplyForm
from drafting.models import DecisionReply, Proposal
from drafting.services.replies import decision_reply
from drafting.web.errors import DomainError, NotAllowed, ProposalInvalid


def reply_context(user, proposal: Proposal, form: DecisionReplyForm | None = None) -> dict:
    """What the proposal page shows under the decision: the reply, or the form to write it
    (one query)."""
    reply = (
        DecisionReply.objects.select_related("delegation").filter(proposal=proposal).first()
        if proposal.decided_at is not None
        else None
    )
    can_reply = permissions.can_reply_to_decision(user, proposal, replied=reply is not None)
    return {
        # Not a reply to a decision since undone (as the compilation has it).
        "decision_reply": reply if reply and selectors.reply_stands(proposal, reply) else None,
        "can_reply": can_reply,
        "reply_form": form or DecisionReplyForm(),
    }


@login_required
@require_POST
def proposal_reply(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    """Send the reply; on a refusal the page comes back with what was typed."""
    from drafting.views.proposals import _detail_context

    meeting = selectors.meeting_with_document(slug)
    proposal = selectors.visible_proposal(meeting.document, public_id)
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404
    if not permissions.is_own_proposal(request.user, proposal):
        raise PermissionDenied(_("Only the proposing delegation can reply to the chair's note."))
    form = DecisionReplyForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            decision_reply(user=request.user, proposal=proposal, text=form.cleaned_data["text"])
        except NotAllowed as refused:
            raise PermissionDenied(str(refused)) from refused
        except ProposalInvalid as invalid:
            for problems in invalid.problems.values():
                for problem in problems:
                    form.add_error("text", problem)
        except DomainError as refused:
            form.add_error(None, str(refused))
            status = 409
        else:
            messages.success(request, _("Your reply is shown under the chair's decision."))
            url = reverse("proposal_detail", args=[meeting.slug, proposal.public_id])
            return redirect(f"{url}#decision-reply")
    proposal = selectors.visible_proposal(meeting.document, public_id)
    context = _detail_context(request, meeting, proposal)
    context.update(reply_context(request.user, proposal, form))
    if status == 409:
        # Already replied, or nothing to reply to: show what stands, and what was typed.
        context["can_reply"] = False
        context["refused_reply"] = form
    return render(request, "drafting/proposal_detail.html", context, status=status)
