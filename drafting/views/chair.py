"""Thin views for the chair's office: deciding (one click from the compilation, or on an
element's review page), composing, issuing a revision. The pages the chair reads are elsewhere:
`views.compilation` (the compilation) and `views.compare` (comparing revisions)."""

from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from drafting import selectors
from drafting.access import permissions
from drafting.models import Proposal, ProposalStatus
from drafting.render import page_cache, presenters
from drafting.render.rendering import compiled_rows
from drafting.review_forms import (
    INSERTABLE_KINDS,
    ComposeForm,
    InsertForm,
    OneProposalForm,
    ReviewForm,
    StatusForm,
    as_read,
    public_ids,
)
from drafting.selectors.compilation import compilation_entries
from drafting.services import decisions, elements
from drafting.services.idempotency import request_key
from drafting.services.revisions import RevisionIssuedMeanwhile, revision_issue, revision_label
from drafting.views.compilation import DECIDED
from drafting.web.bounds import posted_number
from drafting.web.context_processors import UNDO_OFFER
from drafting.web.errors import AlreadyDone, DomainError, MergeConflict, NotAllowed, ProposalInvalid


def _meeting_for(request: HttpRequest, slug: str, *, decide: bool = False):
    meeting = selectors.meeting_with_document(slug)
    allowed = (
        permissions.can_decide(request.user, meeting.document)
        if decide
        else permissions.can_read_working_draft(request.user, meeting.document)
    )
    if not allowed:
        raise PermissionDenied
    return meeting


UNDONE = gettext_lazy("Decision undone; the proposal is open again and its delegation told.")


def _offer_undo(request: HttpRequest, meeting, proposals: list[Proposal], done: str) -> None:
    """Say what was decided, with an Undo button on the next page (instead of a dialog
    before the decision): a misclick is corrected in one step until the next revision."""
    messages.success(request, done)
    request.session[UNDO_OFFER] = {
        "slug": meeting.slug,
        "proposals": [
            {"id": str(p.public_id), "delegation": p.delegation.short_name} for p in proposals
        ][:10],
    }


@login_required
@require_http_methods(["GET", "POST"])
def element_review(request: HttpRequest, slug: str, element_id: int) -> HttpResponse:
    """Review and compose: all proposals on an element side by side; the chair writes the
    text. A POST is routed by its button (``action``) to the verb's view below."""
    meeting = _meeting_for(request, slug, decide=True)
    element = selectors.element_in_document(meeting.document, element_id)
    if request.method != "POST":
        return _review_page(request, meeting, element)
    action = request.POST.get("action", "")
    verb = REVIEW_VERBS.get(action)
    if verb is None:
        messages.error(request, _("Unknown action."))
        return _review_page(request, meeting, element, status=422)
    form_class, write = verb
    form = form_class(request.POST, element=element)
    if not form.is_valid():
        _say_problems(request, form.errors.values())
        return _review_page(request, meeting, element, form=form, status=422)
    try:
        write(request, meeting, element, form, action)
    except AlreadyDone as done:
        messages.info(request, str(done))
    except MergeConflict as clash:
        messages.error(request, str(clash))
        element.refresh_from_db()
        blocked = form.proposals[0] if action == "undo" and form.proposals else None
        return _review_page(
            request, meeting, element, form=form, conflict=clash, undo_blocked=blocked, status=409
        )
    except NotAllowed as not_allowed:
        raise PermissionDenied(str(not_allowed)) from not_allowed
    except ProposalInvalid as invalid:
        _say_problems(request, invalid.problems.values())
        element.refresh_from_db()
        return _review_page(request, meeting, element, form=form, status=422)
    except DomainError as error:
        messages.error(request, str(error))
        element.refresh_from_db()
        return _review_page(request, meeting, element, form=form, status=422)
    return redirect("element_review", meeting.slug, element.pk)


def _accept(request: HttpRequest, meeting, element, form: ReviewForm, action: str) -> None:
    decisions.proposal_accept(
        user=request.user,
        proposals=form.proposals,
        note=form.cleaned_data["note"],
        idempotency_key=request_key(request),
    )
    _offer_undo(request, meeting, form.proposals, _("Accepted; the working draft is updated."))


def _compose(request: HttpRequest, meeting, element, form: ComposeForm, action: str) -> None:
    elements.element_compose(
        user=request.user,
        element=element,
        text=form.cleaned_data["text"],
        expected_text=form.cleaned_data["expected_text"],
        cited=form.proposals,
        note=form.cleaned_data["note"],
        idempotency_key=request_key(request),
    )
    done = _("The new text is in the working draft.")
    if form.proposals:  # the proposals it cites are decided: accepted with changes
        _offer_undo(request, meeting, form.proposals, done)
    else:
        messages.success(request, done)


def _reject(request: HttpRequest, meeting, element, form: OneProposalForm, action: str) -> None:
    decisions.proposal_reject(
        user=request.user,
        proposal=form.proposal,
        note=form.cleaned_data["note"],
        idempotency_key=request_key(request),
    )
    _offer_undo(request, meeting, form.proposals, _("Rejected."))


def _defer(request: HttpRequest, meeting, element, form: OneProposalForm, action: str) -> None:
    decisions.proposal_defer(
        user=request.user,
        proposal=form.proposal,
        note=form.cleaned_data["note"],
        idempotency_key=request_key(request),
    )
    _offer_undo(request, meeting, form.proposals, _("Deferred."))


def _undo(request: HttpRequest, meeting, element, form: OneProposalForm, action: str) -> None:
    decisions.decision_undo(
        user=request.user,
        proposal=form.proposal,
        keep_text=action == "undo_keep_text",
        idempotency_key=request_key(request),
    )
    messages.success(request, UNDONE)


def _set_status(request: HttpRequest, meeting, element, form: StatusForm, action: str) -> None:
    elements.element_set_status(
        user=request.user,
        element=element,
        status=form.cleaned_data["status"],
        reopen=form.cleaned_data["reopen"],
        note=form.cleaned_data["note"],
        idempotency_key=request_key(request),
    )
    messages.success(request, _("Status changed."))


def _move(request: HttpRequest, meeting, element, form: ReviewForm, action: str) -> None:
    elements.element_move(
        user=request.user, element=element, direction=action, idempotency_key=request_key(request)
    )
    messages.success(request, _("Element moved."))


def _insert(request: HttpRequest, meeting, element, form: InsertForm, action: str) -> None:
    elements.element_insert(
        user=request.user,
        after=element,
        kind=form.cleaned_data["new_kind"],
        text=form.cleaned_data["new_text"],
        idempotency_key=request_key(request),
    )
    messages.success(request, _("Element inserted."))


def _say_problems(request: HttpRequest, problems: Iterable[Iterable[object]]) -> None:
    for field_problems in problems:
        for problem in field_problems:
            messages.error(request, str(problem))


# The review page's buttons (``action``): the form each binds and the view that calls its service.
REVIEW_VERBS: dict[str, tuple[type[ReviewForm], Callable[..., None]]] = {
    "accept": (ReviewForm, _accept),
    "compose": (ComposeForm, _compose),
    "reject": (OneProposalForm, _reject),
    "defer": (OneProposalForm, _defer),
    "undo": (OneProposalForm, _undo),
    "undo_keep_text": (OneProposalForm, _undo),
    "status": (StatusForm, _set_status),
    "up": (ReviewForm, _move),
    "down": (ReviewForm, _move),
    "insert": (InsertForm, _insert),
}


def _review_page(
    request: HttpRequest,
    meeting,
    element,
    *,
    form: ReviewForm | None = None,
    conflict: MergeConflict | None = None,
    undo_blocked: Proposal | None = None,
    status: int = 200,
) -> HttpResponse:
    proposals = list(selectors.submitted_proposals_on(element))
    # Where the element and so each proposal sits (the working draft's places, cached).
    page_cache.attach_places(meeting.document, proposals)
    last = selectors.revisions_of(meeting.document).last()
    last_issued_at = last.issued_at if last is not None else None
    cards = [presenters.CompiledProposal(p, p.diff_segments, p.mark_summary) for p in proposals]
    return render(
        request,
        "drafting/element_review.html",
        {
            "meeting": meeting,
            "element": element,
            "insert_kinds": [(kind.value, kind.label) for kind in INSERTABLE_KINDS],
            "place": page_cache.draft_places(meeting.document).get(element.pk),
            "cards": cards,
            "open_cards": [
                c
                for c in cards
                if c.proposal.status in {ProposalStatus.SUBMITTED, ProposalStatus.DEFERRED}
            ],
            "conflict": conflict,
            "conflict_rows": [
                (p, p.diff_segments, result)
                for p, result in (conflict.attempts if conflict else [])
            ],
            "typed": form.typed if form is not None else None,
            "chosen_ids": set(request.POST.getlist("proposal")),
            "undo_blocked": undo_blocked,
            "correctable": [
                c.proposal
                for c in cards
                if c.proposal.status in decisions.UNDOABLE
                and not decisions.carried_by_a_revision(c.proposal, last_issued_at)
            ],
            "changes": element.changes.select_related("made_by").prefetch_related(
                "proposals__delegation"
            )[:20],
        },
        status=status,
    )


@login_required
@require_POST
def quick_decision(request: HttpRequest, slug: str) -> HttpResponse:
    """One-click accept, reject, defer or undo from the compilation (the easy cases). Sent by
    htmx, the answer is the proposal's card as it now is, the message beside it; a plain POST
    is redirected back to the compilation, the message at the top."""
    meeting = _meeting_for(request, slug, decide=True)
    proposal = (
        Proposal.objects.filter(
            document=meeting.document,
            public_id__in=public_ids([request.POST.get("proposal", "")]),
        )
        .select_related("delegation", "document")
        .first()
    )
    if proposal is None:
        raise Http404
    as_read(proposal, request.POST.get("version", ""))
    action = request.POST.get("action")
    note = request.POST.get("note", "")
    key = request_key(request)
    in_place = bool(request.headers.get("HX-Request"))
    said, done = messages.success, ""
    try:
        if action == "accept":
            decisions.proposal_accept(
                user=request.user, proposals=[proposal], note=note, idempotency_key=key
            )
            done = _("Accepted.")
        elif action == "reject":
            decisions.proposal_reject(
                user=request.user, proposal=proposal, note=note, idempotency_key=key
            )
            done = _("Rejected.")
        elif action == "defer":
            decisions.proposal_defer(
                user=request.user, proposal=proposal, note=note, idempotency_key=key
            )
            done = _("Deferred.")
        elif action == "undo":
            decisions.decision_undo(user=request.user, proposal=proposal, idempotency_key=key)
            done = str(UNDONE)
        else:
            raise DomainError(_("Unknown action."))
    except AlreadyDone as already:
        said, done = messages.info, str(already)
    except MergeConflict as clash:
        messages.error(request, str(clash) + " " + _("Resolve it here by writing the text."))
        review = reverse("element_review", args=[meeting.slug, proposal.element_id])
        if in_place:  # htmx follows this header with a full page
            return HttpResponse(status=204, headers={"HX-Redirect": review})
        return HttpResponseRedirect(review)
    except DomainError as refused:
        said, done = messages.error, str(refused)
    if in_place:
        return _decided_card(request, meeting, proposal, done)
    back = request.POST.get("back", "")
    compilation_url = reverse("compilation", args=[meeting.slug])
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = f"{compilation_url}#e-{proposal.element_id}"
    if back.startswith(compilation_url):
        # Back on the compilation, the message is beside the card (not at the top of a long
        # page, off-screen), and the page opens at the card; its own Undo button is there.
        request.session[DECIDED] = {"proposal": str(proposal.public_id), "message": done}
        back = back.partition("#")[0] + f"#p-{proposal.public_id}"
    elif action in {"accept", "reject", "defer"} and said is messages.success:
        _offer_undo(request, meeting, [proposal], done)
    else:
        said(request, done)
    # Not ``redirect``: it would first look ``back`` up as the name of a view.
    return HttpResponseRedirect(back)


def _decided_card(request: HttpRequest, meeting, proposal: Proposal, message: str) -> HttpResponse:
    """The proposal's card in the compilation as it is now, ``message`` beside it and in the
    page's polite live region (htmx puts that copy there: ``hx-swap-oob``)."""
    entries = [
        entry
        for entry in compilation_entries(meeting.document, element_ids={proposal.element_id})
        if entry.id == proposal.pk
    ]
    blocks = page_cache.compilation_blocks(meeting, entries)
    # The element's line above the cards changes too (an accepted text, its open count): it
    # comes along, swapped by its id (hx-swap-oob).
    element = presenters.find_element(page_cache.working_draft_view(meeting), proposal.element_id)
    row = presenters.CompiledElement(
        element=element or cast(Any, SimpleNamespace(id=proposal.element_id)),
        depth=0,
        # What the compilation's rows list: (entry, its cached block), as `compilation` makes.
        proposals=cast(Any, [(entry, blocks[entry.id]) for entry in entries]),
        open_count=selectors.open_proposal_counts(meeting.document).get(proposal.element_id, 0),
    )
    # The card's own forms go back to the compilation as it was filtered, not to this view.
    back = request.POST.get("back", "").partition("#")[0]
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = reverse("compilation", args=[meeting.slug])
    card = compiled_rows(request, [row], meeting, True, card_only=True, message=message, path=back)
    return render(request, "drafting/compilation.html#decided", {"card": card, "message": message})


@login_required
@require_http_methods(["GET", "POST"])
def issue_revision(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = selectors.meeting_with_document(slug)
    document = meeting.document
    if not permissions.can_issue_revision(request.user, document):
        raise PermissionDenied
    last = selectors.revisions_of(document).last()
    cover_letter = request.POST.get("cover_letter", "")
    signatory = request.POST.get("signatory", meeting.chair)
    errors = []
    # Messages about one field, shown next to it (the rest above the form).
    field_errors: dict[str, list[str]] = {}
    # The form carries the number it issues and the version of the draft it was shown with:
    # a repeated or stale submission issues nothing (revision_issue checks both under lock).
    next_number = 0 if last is None else last.number + 1
    draft_version = document.version
    status = 200
    issued_meanwhile = None
    if request.method == "POST":
        form_number = posted_number(request.POST.get("number", ""))
        posted_version = posted_number(request.POST.get("draft_version", ""))
        if form_number is None or posted_version is None:
            errors.append(
                _("This form was incomplete and has been made afresh: check it and send it again.")
            )
        else:
            # Shown again after an error, the form still stands for the draft it showed.
            draft_version = posted_version
            if request.POST.get("confirm") != "1":
                errors.append(_("Tick the box to confirm: an issued revision cannot be changed."))
            elif not cover_letter.strip():
                field_errors["cover_letter"] = [_("Write the cover letter.")]
        if not errors and not field_errors:
            try:
                revision = revision_issue(
                    issued_by=request.user,
                    document=document,
                    cover_letter=cover_letter,
                    signatory=signatory,
                    expected_number=form_number,
                    expected_version=posted_version,
                    idempotency_key=request_key(request),
                )
            except AlreadyDone as done:
                messages.info(request, str(done))
                return redirect("revision_detail", meeting.slug, int(done.result))
            except ProposalInvalid as invalid:
                for field, problems in invalid.problems.items():
                    field_errors.setdefault(field, []).extend(problems)
            except RevisionIssuedMeanwhile as meanwhile:
                # Nothing was issued; the letter typed is kept, the form now offers the next.
                errors.append(str(meanwhile))
                issued_meanwhile = meanwhile.revision
                last = selectors.revisions_of(document).last()
                next_number = 0 if last is None else last.number + 1
                draft_version = type(document).objects.get(pk=document.pk).version
                status = 409
            except DomainError as stale:
                # The draft changed: the form is shown again for the draft as it is now.
                errors.append(str(stale))
                draft_version = type(document).objects.get(pk=document.pk).version
                status = 409
            else:
                messages.success(request, _("%(label)s is issued.") % {"label": revision.label})
                return redirect("revision_detail", meeting.slug, revision.number)
    pending = Proposal.objects.filter(document=document, status=ProposalStatus.SUBMITTED).count()
    return render(
        request,
        "drafting/issue_revision.html",
        {
            "meeting": meeting,
            "last": last,
            "next_label": revision_label(next_number),
            "next_number": next_number,
            "draft_version": draft_version,
            "issued_meanwhile": issued_meanwhile,
            "cover_letter": cover_letter,
            "signatory": signatory,
            "errors": errors,
            "field_errors": field_errors,
            # A ticked box stays ticked when the form comes back: nothing typed is lost.
            "confirmed": request.method == "POST" and request.POST.get("confirm") == "1",
            "pending": pending,
        },
        status=status if status != 200 else 422 if errors or field_errors else 200,
    )
