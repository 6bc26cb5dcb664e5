"""The consultation rounds of a meeting: the secretariat opens one, the chair's office
reopens one; everyone who reads the working draft sees them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from drafting import selectors
from drafting.access import permissions
from drafting.forms import ReopenForm, RoundForm, add_problems
from drafting.models import ConsultationRound
from drafting.services.idempotency import request_key
from drafting.services.rounds import open_round, round_open, round_reopen
from drafting.web.bounds import posted_number
from drafting.web.errors import AlreadyDone, NotAllowed, ProposalInvalid


@login_required
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest, slug: str) -> HttpResponse:
    """The consultation rounds; the secretariat opens one, the chair's office reopens one
    (``form`` says which of the page's two forms was posted)."""
    meeting = selectors.meeting_with_document(slug)
    document = meeting.document
    if not permissions.can_read_working_draft(request.user, document):
        raise PermissionDenied
    posted = request.POST.get("form", "") if request.method == "POST" else ""
    form = RoundForm(request.POST if posted == "open" else None)
    reopen_form = ReopenForm(request.POST if posted == "reopen" else None)
    bound = form if posted == "open" else reopen_form if posted == "reopen" else None
    if bound is not None and bound.is_valid() and _round_written(request, document, bound):
        return redirect("rounds", meeting.slug)
    return render(
        request,
        "drafting/rounds.html",
        {
            "meeting": meeting,
            "rounds": selectors.rounds_of(document),
            "form": form,
            "reopen_form": reopen_form,
            "can_open": permissions.can_open_round(request.user, document),
            "can_reopen": permissions.can_reopen_round(request.user, document),
            "open_round": open_round(document),
        },
        status=422 if (form.errors or reopen_form.errors) else 200,
    )


def _round_written(request: HttpRequest, document, form: RoundForm | ReopenForm) -> bool:
    """Call the form's service; False, with the refusal on the form, when it refuses."""
    try:
        if isinstance(form, RoundForm):
            _open_round(request, document, form)
        else:
            _reopen_round(request, document, form)
    except AlreadyDone as done:
        messages.info(request, str(done))
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    except ProposalInvalid as invalid:
        add_problems(form, invalid.problems)
        return False
    return True


def _open_round(request: HttpRequest, document, form: RoundForm) -> None:
    round_open(
        user=request.user,
        document=document,
        idempotency_key=request_key(request),
        **form.cleaned_data,
    )
    messages.success(request, _("The round is open."))


def _reopen_round(request: HttpRequest, document, form: ReopenForm) -> None:
    pk = posted_number(request.POST.get("round", ""))
    round_ = (
        ConsultationRound.objects.filter(document=document, pk=pk).first()
        if pk is not None
        else None
    )
    if round_ is None:
        raise Http404
    round_reopen(
        user=request.user,
        round_=round_,
        deadline=form.cleaned_data["deadline"],
        idempotency_key=request_key(request),
    )
    messages.success(request, _("The round is reopened until the new deadline."))
