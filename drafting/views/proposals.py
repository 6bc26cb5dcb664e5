"""Thin views for the delegations' workflow: bind a form, call one service, render or redirect."""

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from drafting import selectors
from drafting.access import permissions, throttle
from drafting.forms import (
    CO_SPONSOR_NAMES_MAX,
    CO_SPONSOR_QUERY_MAX,
    CO_SPONSORS_MAX,
    MarkForm,
    ProposalForm,
    add_problems,
    co_sponsor_candidates,
)
from drafting.messages import text_problems
from drafting.models import (
    INSERT_KINDS,
    PRIVATE_STATUSES,
    InvitationStatus,
    MarkStance,
    ProposalStatus,
)
from drafting.render import page_cache, presenters
from drafting.services import cosponsorship
from drafting.services.idempotency import new_key, request_key
from drafting.services.marks import mark_clear, mark_confirm, mark_set
from drafting.services.proposal_rules import (
    new_element_kinds_for,
    proposal_kinds_for,
    proposal_text_check,
)
from drafting.services.proposals import (
    ProposalContent,
    can_undo_withdrawal,
    proposal_create,
    proposal_discard,
    proposal_revise,
    proposal_submit,
    proposal_withdraw,
    proposal_withdrawal_undo,
)
from drafting.services.rounds import open_round
from drafting.text import diff, validation
from drafting.views.replies import reply_context
from drafting.web import outage
from drafting.web.bounds import posted_number
from drafting.web.errors import (
    AlreadyDone,
    BaseTextMoved,
    DeadlinePassed,
    DomainError,
    FormAlreadyUsed,
    NotAllowed,
    ProposalInvalid,
    StaleVersion,
)
from drafting.web.http import AppRequest


def _delegate_context(request: HttpRequest, slug: str):
    delegation = permissions.delegation_of(request.user)
    # Whether the delegation takes part is read with the meeting (one query, not two).
    meeting = selectors.meeting_with_document(slug, participant=delegation)
    return meeting, _delegate_may_propose(request, meeting, delegation)


def _delegate_may_propose(request: HttpRequest, meeting, delegation):
    """The delegation, when the user is a delegate of one taking part in the meeting (read
    with the meeting, ``participant_takes_part``); otherwise PermissionDenied."""
    if delegation is None:
        raise PermissionDenied
    permissions.note_takes_part(request.user, meeting.document.pk, meeting.participant_takes_part)
    if not permissions.can_propose(request.user, meeting.document):
        raise PermissionDenied
    return delegation


def _element_and_delegate_context(request: HttpRequest, slug: str, element_id: int):
    """The element proposed on, the meeting and the delegation, in one query (as
    :func:`_delegate_context` and ``selectors.element_in_document`` read them in two)."""
    delegation = permissions.delegation_of(request.user)
    if delegation is None:
        _delegate_context(request, slug)  # 404 without a meeting, else 403, as before
    element = selectors.element_with_meeting(slug, element_id, participant=delegation)
    meeting = element.document.meeting
    return element, meeting, _delegate_may_propose(request, meeting, delegation)


def _proposal_url(meeting, proposal) -> str:
    return reverse("proposal_detail", args=[meeting.slug, proposal.public_id])


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, slug: str, element_id: int) -> HttpResponse:
    element, meeting, delegation = _element_and_delegate_context(request, slug, element_id)
    kinds = proposal_kinds_for(element)
    kind = request.GET.get("kind", "")
    kind = kind if kind in kinds else kinds[0]
    inserted = new_element_kinds_for(element, kind)
    initial = {
        "kind": kind,
        # New language starts empty (the current text is shown above it for reference):
        # pre-filled, an insertion sent unedited repeated the element.
        "proposed_text": "" if kind in INSERT_KINDS else element.text,
        "base_text_seen": element.text,
        "new_element_kind": inserted[0] if inserted else "",
    }
    form = ProposalForm(
        request.POST or None,
        initial=initial,
        delegation=delegation,
        meeting_id=meeting.pk,
        element=element,
    )
    notice, unavailable, already_used, limited = None, False, None, None
    if request.method == "POST" and form.is_valid():
        limited = _over_write_limit(delegation)
    if limited:
        notice = limited.notice
    elif request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_create(
                user=request.user,
                element=element,
                content=form.content(),
                idempotency_key=form.cleaned_data["idempotency_key"],
                submit=request.POST.get("action") == "submit",
            )
        except ProposalInvalid as invalid:
            add_problems(form, invalid.problems)
        except BaseTextMoved as moved:
            form, notice = _rebased_form(request, form, moved, delegation)
        except FormAlreadyUsed as used:
            # This form's key made another proposal: say so, link to it, and keep what was
            # typed in a fresh form (a new key), so sending it makes a proposal of its own.
            data = request.POST.copy()
            data["idempotency_key"] = str(new_key())
            form = ProposalForm(data, delegation=delegation, meeting_id=meeting.pk, element=element)
            form.is_valid()
            already_used = _proposal_url(meeting, used.proposal)
        except DeadlinePassed as refused:
            messages.error(request, str(refused))
            return redirect(_proposal_url(meeting, refused.proposal))
        except NotAllowed as refused:
            raise PermissionDenied(str(refused)) from refused
        except (OperationalError, InterfaceError) as lost:
            # The connection dropped: show the form again with what was typed (same key, so
            # sending it again stores one proposal). Should the database still be away,
            # rendering fails too and the middleware answers with its plain 503 page.
            outage.forget_broken_connections()
            outage.logger.warning("Database unavailable while proposing: %s", lost)
            notice, unavailable = outage.retry_notice(), True
        else:
            messages.success(
                request,
                _("Your proposal was submitted.")
                if proposal.status == ProposalStatus.SUBMITTED
                else _("Your proposal was saved as a draft of your delegation."),
            )
            return redirect(_proposal_url(meeting, proposal))
    response = render(
        request,
        "drafting/proposal_form.html",
        {
            "meeting": meeting,
            "element": element,
            "place": page_cache.draft_places(meeting.document).get(element.pk),
            "delegation": delegation,
            "form": form,
            "notice": notice,
            "preview": _preview(form, element),
            "editing": None,
            "already_used": already_used,
        },
        status=(
            429
            if limited
            else 503
            if unavailable
            else 409
            if already_used
            else 422
            if form.errors
            else 200
        ),
    )
    if unavailable:
        response["Retry-After"] = str(outage.RETRY_AFTER_SECONDS)
    if limited:
        response["Retry-After"] = str(limited.retry_after)
    return response


@dataclass(frozen=True)
class _WriteLimit:
    notice: str
    retry_after: int


def _over_write_limit(delegation) -> _WriteLimit | None:
    """Count one write of the delegation's; past ``PROPOSALS_PER_MINUTE`` a minute, what to
    tell the delegate (the form is shown again, as typed, with 429)."""
    writes = throttle.count_write(
        "proposals", delegation.pk, limit=settings.PROPOSALS_PER_MINUTE, seconds=60
    )
    if not writes.over:
        return None
    notice = _(
        "Your delegation has sent %(limit)s proposals or changes in the last minute, the most "
        "allowed. Nothing was stored and nothing you typed is lost: it is below. Send it again "
        "in %(seconds)s seconds."
    ) % {"limit": writes.limit, "seconds": writes.retry_after}
    return _WriteLimit(notice, writes.retry_after)


def _rebased_form(request, form, moved: BaseTextMoved, delegation):
    """The element changed meanwhile: offer the user's change re-applied to the new text."""
    data = request.POST.copy()
    data["base_text_seen"] = moved.current_text
    typed = form.cleaned_data.get("proposed_text", "")
    if moved.rebased_text is not None:
        data["proposed_text"] = moved.rebased_text
        notice = _(
            "The text of this element changed while you were writing. Your change has been "
            "re-applied to the current text below: check it and submit again."
        )
    else:
        notice = _(
            "The text of this element changed while you were writing, and your change no "
            "longer applies to it. Your text is kept below; compare it with the current text."
        )
    new_form = ProposalForm(
        data, delegation=delegation, meeting_id=form.meeting_id, element=form.element
    )
    new_form.is_valid()
    new_form.typed_text = typed
    return new_form, notice


def _preview(form: ProposalForm, element) -> list[diff.DiffSegment]:
    """The change the form holds, as the live preview shows it: what was sent, else what the
    form starts with (a proposal being revised shows its change, not "no change")."""
    values = form.data if form.is_bound else form.initial
    # As the live preview does: a longer text is refused by the form anyway, and a word
    # diff of a megabyte posted to the form took seconds.
    longest = validation.MAX_ELEMENT_TEXT * 2
    checked = proposal_text_check(
        element=element,
        content=ProposalContent(
            kind=str(values.get("kind", "")),
            proposed_text=str(values.get("proposed_text", ""))[:longest],
            rationale=str(values.get("rationale", ""))[:longest],
        ),
        base_text=validation.normalise(str(values.get("base_text_seen", element.text))[:longest]),
    )
    return diff.word_diff(checked.base_text, checked.proposed_text)


@login_required
@require_POST
@vary_on_headers("HX-Request")
def diff_preview(request: HttpRequest, slug: str, element_id: int) -> HttpResponse:
    """The live word diff under the text box (htmx posts the form as the user types)."""
    element, _meeting, _delegation = _element_and_delegate_context(request, slug, element_id)
    # Bounded before any work: twice the longest text is enough to show what is wrong.
    longest = validation.MAX_ELEMENT_TEXT * 2
    typed = request.POST.get("proposed_text", "")
    if len(typed) > longest:
        # Said with its real length (cut first, it was said to have 8,000 characters); no
        # diff of a text that long.
        too_long = validation.TextProblem(
            "too_long", {"length": len(typed), "limit": validation.MAX_ELEMENT_TEXT}
        )
        return render(
            request,
            "drafting/_diff_preview.html",
            {"segments": [], "problems": text_problems([too_long])},
        )
    checked = proposal_text_check(
        element=element,
        content=ProposalContent(
            kind=request.POST.get("kind", ""),
            proposed_text=typed,
            rationale=request.POST.get("rationale", "")[:longest],
        ),
        base_text=validation.normalise(request.POST.get("base_text_seen", element.text)[:longest]),
    )
    return render(
        request,
        "drafting/_diff_preview.html",
        {
            "segments": diff.word_diff(checked.base_text, checked.proposed_text),
            # Nothing typed yet is not a problem worth saying while the delegate types.
            "problems": checked.problems.get("proposed_text", []) if checked.proposed_text else [],
        },
    )


# The combobox lists this many matches at most; typing more narrows them.
CO_SPONSOR_OPTIONS = 10


@login_required
@require_GET
@vary_on_headers("HX-Request")
def co_sponsor_options(request: HttpRequest, slug: str) -> HttpResponse:
    """The co-sponsors combobox's list (htmx asks as the delegate types): the States taking
    part in the meeting whose name contains the last name typed, at most
    ``CO_SPONSOR_OPTIONS``, leaving out the delegate's own and those already chosen. Only for
    a delegate of a delegation taking part (403 otherwise); a query longer than the search
    box allows is a 400, before any query."""
    meeting, delegation = _delegate_context(request, slug)
    typed = request.GET.get("co_sponsor_search", "")
    if len(typed) > CO_SPONSOR_NAMES_MAX:
        return HttpResponseBadRequest(_("Too long to search for."))
    query = typed.rsplit(",", 1)[-1].strip()
    if len(query) > CO_SPONSOR_QUERY_MAX:
        return HttpResponseBadRequest(_("Too long to search for."))
    chosen = [
        number
        for number in (
            posted_number(item) for item in request.GET.getlist("co_sponsors")[:CO_SPONSORS_MAX]
        )
        if number is not None
    ]
    matches = []
    if query:
        matches = list(
            co_sponsor_candidates(meeting_id=meeting.pk, delegation=delegation)
            .filter(
                Q(name__icontains=query) | Q(short_name__icontains=query) | Q(code__iexact=query)
            )
            .exclude(pk__in=chosen)
            .only("pk", "name", "short_name")[: CO_SPONSOR_OPTIONS + 1]
        )
    return render(
        request,
        "drafting/_co_sponsor_options.html",
        {
            "matches": matches[:CO_SPONSOR_OPTIONS],
            "more": len(matches) > CO_SPONSOR_OPTIONS,
            "query": query,
        },
    )


@login_required
def proposal_detail(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    meeting = selectors.meeting_with_document(slug)
    proposal = selectors.visible_proposal(meeting.document, public_id)
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404  # another delegation's draft does not exist for this user
    return render(
        request, "drafting/proposal_detail.html", _detail_context(request, meeting, proposal)
    )


def _detail_context(request, meeting, proposal, mark_form=None):
    delegation = permissions.delegation_of(request.user)
    own_mark = next(
        (m for m in proposal.marks.all() if delegation and m.delegation_id == delegation.pk), None
    )
    can_mark = permissions.can_mark(request.user, proposal)
    versions = proposal.history.select_related("history_user").order_by("-history_date")
    if not permissions.can_view_private_versions(request.user, proposal):
        # Versions written before the first submission are the delegation's alone.
        versions = versions.exclude(status__in=PRIVATE_STATUSES)
    return {
        "meeting": meeting,
        "proposal": proposal,
        "place": page_cache.draft_places(meeting.document).get(proposal.element_id),
        "segments": proposal.diff_segments,
        "marks": presenters.mark_summary(list(proposal.marks.all()), proposal.version),
        "can_edit": permissions.can_edit_proposal(request.user, proposal),
        "can_undo_withdrawal": delegation is not None
        and delegation.pk == proposal.delegation_id
        and can_undo_withdrawal(proposal),
        "can_mark": can_mark,
        # After the deadline marks are frozen until the chair's office reopens the round.
        "marks_frozen": can_mark and open_round(meeting.document) is None,
        "own_mark": own_mark,
        "own_mark_earlier": own_mark is not None and own_mark.version != proposal.version,
        "mark_form": mark_form
        or MarkForm(
            initial={
                "stance": own_mark.stance if own_mark else MarkStance.SUPPORT,
                "note": own_mark.note if own_mark else "",
            }
        ),
        "versions": versions[:20],
        **_cosponsorship_context(proposal, delegation),
        **reply_context(request.user, proposal),
    }


def _cosponsorship_context(proposal, delegation) -> dict:
    """The invited delegation's own invitation (to answer it), and for the proposing
    delegation where each name it gave stands. Others see only accepted co-sponsors."""
    if delegation is None:
        return {}
    if delegation.pk == proposal.delegation_id:
        return {
            "named_co_sponsors": [
                invitation
                for invitation in selectors.cosponsor_invitations_of(proposal)
                if invitation.status != InvitationStatus.REMOVED
            ]
        }
    invitation = selectors.cosponsor_invitation_to(proposal, delegation)
    return {
        "own_invitation": invitation,
        "can_answer": invitation is not None and proposal.status in cosponsorship.OPEN_STATUSES,
    }


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    meeting, delegation = _delegate_context(request, slug)
    proposal = selectors.visible_proposal(meeting.document, public_id)
    if proposal.delegation_id != delegation.pk:
        raise Http404 if proposal.status in PRIVATE_STATUSES else PermissionDenied
    if not permissions.can_edit_proposal(request.user, proposal):
        messages.error(
            request,
            _("This proposal is %(status)s and can no longer be changed.")
            % {"status": proposal.get_status_display()},
        )
        return redirect(_proposal_url(meeting, proposal))
    initial: dict[str, Any] = {
        "kind": proposal.kind,
        "proposed_text": proposal.proposed_text,
        "base_text_seen": proposal.base_text if not proposal.is_insert else proposal.element.text,
        "new_element_kind": proposal.new_element_kind,
        "rationale": proposal.rationale,
        "on_behalf_of": proposal.on_behalf_of,
        # Every name still given (invited and accepted alike), so saving keeps them.
        "co_sponsors": cosponsorship.invitations_named(proposal),
        # A fresh key for this edit (the proposal's own key was its creation's).
        "idempotency_key": new_key(),
        "version": proposal.version,
    }
    form = ProposalForm(
        request.POST or None,
        initial=initial,
        delegation=delegation,
        meeting_id=meeting.pk,
        element=proposal.element,
    )
    notice, limited = None, None
    if request.method == "POST" and form.is_valid():
        limited = _over_write_limit(delegation)
    if limited:
        notice = limited.notice
    elif request.method == "POST" and form.is_valid():
        try:
            proposal = proposal_revise(
                user=request.user,
                proposal=proposal,
                content=form.content(),
                expected_version=form.cleaned_data.get("version") or 0,
                submit=request.POST.get("action") == "submit",
                idempotency_key=request_key(request),
            )
        except AlreadyDone as done:
            messages.info(request, str(done))
            return redirect(_proposal_url(meeting, proposal))
        except ProposalInvalid as invalid:
            add_problems(form, invalid.problems)
        except BaseTextMoved as moved:
            form, notice = _rebased_form(request, form, moved, delegation)
        except (StaleVersion, DeadlinePassed, DomainError) as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Your proposal was saved (version %(version)s).") % {"version": proposal.version},
            )
            return redirect(_proposal_url(meeting, proposal))
    response = render(
        request,
        "drafting/proposal_form.html",
        {
            "meeting": meeting,
            "element": proposal.element,
            "place": page_cache.draft_places(meeting.document).get(proposal.element_id),
            "delegation": delegation,
            "form": form,
            "notice": notice,
            "preview": _preview(form, proposal.element),
            "editing": proposal,
        },
        status=429 if limited else 200 if not form.errors else 422,
    )
    if limited:
        response["Retry-After"] = str(limited.retry_after)
    return response


@login_required
@require_POST
def proposal_action(
    request: HttpRequest, slug: str, public_id: uuid.UUID, action: str
) -> HttpResponse:
    meeting = selectors.meeting_with_document(slug)
    proposal = selectors.visible_proposal(meeting.document, public_id)
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404
    steps = {
        "submit": (proposal_submit, _("Proposal submitted.")),
        "withdraw": (
            proposal_withdraw,
            _("Proposal withdrawn. You can undo this until the round closes."),
        ),
        "undo_withdrawal": (
            proposal_withdrawal_undo,
            _("Withdrawal undone: the proposal is submitted again."),
        ),
        "discard": (proposal_discard, _("Draft discarded; no one else ever saw it.")),
    }
    step, done_message = steps.get(action, (None, ""))
    if step is None:
        raise Http404
    try:
        step(user=request.user, proposal=proposal, idempotency_key=request_key(request))
    except AlreadyDone as done:
        messages.info(request, str(done))
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    except DomainError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, done_message)
    return redirect(_proposal_url(meeting, proposal))


@login_required
@require_POST
@vary_on_headers("HX-Request")
def proposal_mark(request: AppRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    """Support, oppose, clear the mark, or confirm it for the current version; htmx swaps the
    marks panel in place."""
    meeting = selectors.meeting_with_document(slug)
    proposal = selectors.visible_proposal(meeting.document, public_id)
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404
    form = MarkForm(request.POST)
    status = 200
    # The version the page showed: a mark is given to the text read (None: not posted).
    seen_version = posted_number(request.POST.get("version", ""))
    try:
        if request.POST.get("clear"):
            mark_clear(user=request.user, proposal=proposal)
        elif request.POST.get("confirm"):
            mark_confirm(user=request.user, proposal=proposal, expected_version=seen_version)
        elif form.is_valid():
            mark_set(
                user=request.user,
                proposal=proposal,
                stance=form.cleaned_data["stance"],
                note=form.cleaned_data["note"],
                expected_version=seen_version,
            )
        else:
            status = 422
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    except ProposalInvalid as invalid:
        add_problems(form, invalid.problems)
        status = 422
    except DomainError as refused:
        # Decided, or after the deadline: marks are frozen. Nothing typed is lost.
        form.is_valid()
        form.add_error(None, str(refused))
        status = 409
    proposal = selectors.visible_proposal(meeting.document, public_id)
    context = _detail_context(request, meeting, proposal, mark_form=form if status != 200 else None)
    if request.htmx:
        return render(request, "drafting/proposal_detail.html#marks", context, status=status)
    if status == 200:
        if request.POST.get("next") == "desk":  # given from the desk: back to it
            messages.success(request, _("Your delegation's position is recorded."))
            return redirect("desk", meeting.slug)
        return redirect(_proposal_url(meeting, proposal))
    return render(request, "drafting/proposal_detail.html", context, status=status)


@login_required
@require_POST
def proposal_cosponsorship(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    """The invited delegation accepts, declines, or withdraws its co-sponsorship. Only a
    delegate of a delegation invited to this proposal acts on its own invitation."""
    meeting, _delegation = _delegate_context(request, slug)
    proposal = selectors.visible_proposal(meeting.document, public_id)
    if not permissions.can_view_proposal(request.user, proposal):
        raise Http404
    action = request.POST.get("action", "")
    step = {
        "accept": cosponsorship.cosponsorship_accept,
        "decline": cosponsorship.cosponsorship_decline,
        "withdraw": cosponsorship.cosponsorship_withdraw,
    }.get(action)
    if step is None:
        raise Http404
    seen = posted_number(request.POST.get("version", ""))
    extra = {"expected_version": seen} if action == "accept" and seen is not None else {}
    try:
        step(user=request.user, proposal=proposal, **extra)
    except NotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    except DomainError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            {
                "accept": _("Your delegation now co-sponsors this proposal."),
                "decline": _("Your delegation declined to co-sponsor this proposal."),
                "withdraw": _("Your delegation no longer co-sponsors this proposal."),
            }[action],
        )
    if request.POST.get("next") == "desk":
        return redirect("desk", meeting.slug)
    if request.POST.get("next") == "delegation":
        return redirect("delegation_page", meeting.slug)
    return redirect(_proposal_url(meeting, proposal))
