"""Each role's landing page for a meeting ("the desk"), and where sign-in lands: a
delegate on the delegation's desk, the chair's office on what waits for it; the secretariat
keeps its list of meetings."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from drafting import selectors
from drafting.access import permissions
from drafting.models.proposal import STANCE_CHOICES
from drafting.selectors import desk as desks
from drafting.services import cosponsorship
from drafting.services.visits import desk_visit


@require_safe
@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Where sign-in leads: with one meeting, straight to its desk; else the meetings list,
    which links to each desk."""
    slugs = list(desks.desk_meetings(request.user).values_list("slug", flat=True)[:2])
    if len(slugs) == 1:
        return redirect("desk", slugs[0])
    return redirect("home")


@require_safe
@login_required
def desk(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = selectors.meeting_with_document(slug)
    try:
        template, context = _desk(request, meeting, visit=True)
    except PermissionDenied:
        if permissions.is_secretariat(request.user):  # keeps its list of meetings
            return redirect("home")
        raise
    return render(request, template, context)


@require_safe
@login_required
@never_cache
def desk_live(request: HttpRequest, slug: str) -> HttpResponse:
    """What an open desk refreshes (its live part), asked every few seconds: 204 when
    nothing it shows has changed since the ``key`` the page was given (two queries after
    the permission checks), else the part again with its new key. Only the user's own desk:
    a delegate's is its delegation's."""
    meeting = selectors.meeting_with_document(slug)
    template, context = _desk(request, meeting, visit=False, unchanged=request.GET.get("key"))
    if not context:
        return HttpResponse(status=204)
    return render(request, f"{template}#live", context)


def _desk(
    request: HttpRequest, meeting, *, visit: bool, unchanged: str | None = None
) -> tuple[str, dict]:
    """The desk's template and context for the user (the chair's office's or the
    delegation's); ``visit`` records the visit (the page, not its refresh). With
    ``unchanged`` the key the page holds: an empty context when it is still the key."""
    document = meeting.document
    user = request.user
    if permissions.is_chairs_office(user):
        template, delegation = "drafting/desk_chair.html", None
    else:
        delegation = permissions.delegation_of(user)
        if delegation is None or not permissions.can_propose(user, document):
            raise PermissionDenied
        template = "drafting/desk_delegation.html"
    if visit and delegation is not None:
        desk_visit(user=user, meeting=meeting)
    key = desks.desk_key(document, meeting, user)
    if unchanged is not None and unchanged == key.key:
        return template, {}
    context = {
        "meeting": meeting,
        "live_key": key.key,
        "poll_seconds": settings.LIVE_POLL_SECONDS,
    }
    if delegation is None:
        context["desk"] = desks.chair_desk(document, key.rounds)
    else:
        context.update(
            delegation=delegation,
            desk=desks.delegation_desk(document, delegation, key.since, key.rounds),
            open_statuses=cosponsorship.OPEN_STATUSES,
            stances=STANCE_CHOICES,
        )
    return template, context
