"""Each role's landing page for a meeting ("the desk"), and where sign-in lands: a
delegate on the delegation's desk, the chair's office on what waits for it; the secretariat
keeps its list of meetings."""

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from markupsafe import Markup

from drafting.access import permissions
from drafting.models import Delegation, Meeting
from drafting.models.proposal import STANCE_CHOICES
from drafting.render import page_cache
from drafting.selectors import desk as desks
from drafting.selectors.desk_state import DeskKey, desk_state
from drafting.services import cosponsorship
from drafting.services.visits import desk_visit, visit_due
from drafting.web.context_processors import UNDO_OFFER, header_key


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
    """The desk. A repeat view reads the meeting and what the desk depends on in one query
    (`selectors.desk_state`), then the whole page from the cache
    (`page_cache.desk_live_part`), with this request's CSRF token put in."""
    try:
        shown = _desk(request, slug, visit=True)
    except PermissionDenied:
        if permissions.is_secretariat(request.user):  # keeps its list of meetings
            return redirect("home")
        raise
    meeting = shown.meeting
    context = {"meeting": meeting, "delegation": shown.delegation}
    if len(messages.get_messages(request)) or UNDO_OFFER in request.session:
        # Shown once (counted, not read: still to be shown): rendered afresh.
        return render(request, shown.template, {**context, "live": _live_part(request, shown)})
    # Else the page is the same on every view until what it shows changes: kept whole,
    # with this request's CSRF token put in, as the delegation page is.
    unread = shown.unread

    def build(slot: str) -> SafeString:
        live = page_cache.with_token(_live_pieces(request, shown), slot)
        return render_to_string(
            shown.template,
            {**context, "live": live, "nav_unread": unread, "csrf_token": slot},
            request,
        )

    page = page_cache.desk_live_part(
        meeting,
        shown.delegation,
        shown.key.key,
        build,
        page=f"{header_key(request.user)}:{unread}",
    )
    return HttpResponse(page_cache.with_token(page, get_token(request)))


@require_safe
@login_required
@never_cache
def desk_live(request: HttpRequest, slug: str) -> HttpResponse:
    """What an open desk refreshes (its live part), asked every few seconds: 204 when
    nothing it shows has changed since the ``key`` the page was given (one query after the
    session and the user: `selectors.desk_state`), else the part again with its new
    key. Only the user's own desk: a delegate's is its delegation's."""
    shown = _desk(request, slug, visit=False)
    if request.GET.get("key") == shown.key.key:
        return HttpResponse(status=204)
    return HttpResponse(_live_part(request, shown))


@dataclass(frozen=True)
class _Shown:
    """Whose desk a request opens, and the key of what it shows."""

    meeting: Meeting
    template: str
    delegation: Delegation | None  # None: the chair's office's
    key: DeskKey
    unread: int  # the navigation's count of unread notices


def _desk(request: HttpRequest, slug: str, *, visit: bool) -> _Shown:
    """The desk the user is shown (the chair's office's or the delegation's), its meeting
    (404 when there is none, for anyone) and its key; ``visit`` records the visit (the page,
    not its refresh) when it is due (`services.visits.visit_due`: a reload writes nothing)."""
    user = request.user
    chair = permissions.is_chairs_office(user)
    delegation = None if chair else permissions.delegation_of(user)
    meeting, state = desk_state(slug, user=user, delegation=delegation)
    if chair:
        template = "drafting/desk_chair.html"
    else:
        if delegation is None:
            raise PermissionDenied
        permissions.note_takes_part(user, meeting.document.pk, state.takes_part)
        if not permissions.can_propose(user, meeting.document):
            raise PermissionDenied
        template = "drafting/desk_delegation.html"
        if visit and visit_due(state.last_visit):
            # What a read again would give: the visit before as recorded, and now.
            now = timezone.now()
            since = desk_visit(user=user, meeting=meeting, at=now)
            state = replace(state, since=since, last_visit=now)
    return _Shown(meeting, template, delegation, state.key(meeting), state.unread)


def _live_part(request: HttpRequest, shown: _Shown) -> Markup:
    """The desk's live part, with this request's CSRF token in its forms."""
    return page_cache.with_token(_live_pieces(request, shown), get_token(request))


def _live_pieces(request: HttpRequest, shown: _Shown) -> tuple[Markup, ...]:
    """The desk's live part cut where its forms' CSRF tokens go: from the cache under the
    desk's key (`page_cache.desk_live_part`), rendered only when it changed."""
    meeting, delegation, key = shown.meeting, shown.delegation, shown.key

    def build(slot: str) -> SafeString:
        context: dict[str, Any] = {
            "meeting": meeting,
            "live_key": key.key,
            "poll_seconds": settings.LIVE_POLL_SECONDS,
            "csrf_token": slot,
        }
        if delegation is None:
            context["desk"] = desks.chair_desk(meeting.document, key.rounds)
        else:
            context.update(
                delegation=delegation,
                desk=desks.delegation_desk(meeting.document, delegation, key.since, key.rounds),
                open_statuses=cosponsorship.OPEN_STATUSES,
                stances=STANCE_CHOICES,
            )
        return render_to_string(f"{shown.template}#live", context, request)

    return page_cache.desk_live_part(meeting, delegation, key.key, build)
