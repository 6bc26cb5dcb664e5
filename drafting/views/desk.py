"""Each role's landing page for a meeting ("the desk"), and where sign-in lands: a
delegate on the delegation's desk, the chair's office on what waits for it; the secretariat
keeps its list of meetings."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from drafting import selectors
from drafting.access import permissions
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
    document = meeting.document
    user = request.user
    if permissions.is_chairs_office(user):
        return render(
            request,
            "drafting/desk_chair.html",
            {"meeting": meeting, "desk": desks.chair_desk(document)},
        )
    delegation = permissions.delegation_of(user)
    if delegation is not None and permissions.can_propose(user, document):
        since = desk_visit(user=user, meeting=meeting)
        return render(
            request,
            "drafting/desk_delegation.html",
            {
                "meeting": meeting,
                "delegation": delegation,
                "desk": desks.delegation_desk(document, delegation, since),
                "open_statuses": cosponsorship.OPEN_STATUSES,
            },
        )
    if permissions.is_secretariat(user):
        return redirect("home")
    raise PermissionDenied
