"""*My delegation*: a delegation's own page of its proposals, notices and invitations to
co-sponsor, kept whole between the writes it shows (`render.page_cache`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string

from drafting import selectors
from drafting.access import permissions
from drafting.render import page_cache
from drafting.render.enums import TEMPLATE_ENUMS
from drafting.selectors.delegation_page import NOTICES_SHOWN, DelegationPageState, page_state
from drafting.services import cosponsorship
from drafting.services import notifications as notification_services
from drafting.web import time_zones
from drafting.web.context_processors import header_key


@login_required
def delegation_page(request: HttpRequest, slug: str) -> HttpResponse:
    """*My delegation*: its proposals, notices, invitations to co-sponsor. A repeat view
    reads the meeting and what the page depends on in one query (`selectors.
    delegation_page`), then its body from the cache (`page_cache.delegation_page_body`)."""
    user = request.user
    delegation = permissions.delegation_of(user)
    if delegation is None:
        selectors.meeting_with_document(slug)  # an unknown meeting is not found, for anyone
        raise PermissionDenied
    meeting, state = page_state(slug, delegation=delegation, user_id=user.pk)
    permissions.note_takes_part(user, meeting.document.pk, state.takes_part)
    if not permissions.can_propose(user, meeting.document):
        raise PermissionDenied
    if state.new_notices:
        # The list is seen: the navigation's unread count starts again from now. (With
        # nothing new since the last time, there is nothing to record.)
        notification_services.notifications_seen(user=user)

    def context() -> dict[str, Any]:
        body = page_cache.delegation_page_body(
            meeting,
            delegation,
            state,
            lambda slot: _delegation_body(meeting, delegation, state, slot),
        )
        return {
            "meeting": meeting,
            "delegation": delegation,
            "body": body,
            "nav_unread": 0,  # all read now: no need to count
        }

    if len(messages.get_messages(request)):  # counted, not read: still to be shown
        return render(request, "drafting/delegation_page.html", context())
    # Without a message to show, the page is the same on every view until what it shows
    # changes: kept whole, with this request's CSRF token put in.
    page = page_cache.delegation_page(
        meeting,
        delegation,
        state,
        header=header_key(user),
        build=lambda slot: render_to_string(
            "drafting/delegation_page.html", {**context(), "csrf_token": slot}, request
        ),
    )
    return HttpResponse(page_cache.page_html(page, get_token(request)))


def _delegation_body(meeting, delegation, state: DelegationPageState, csrf_slot: str):
    """The delegation page's body as ``state`` describes it (`page_cache.delegation_page_body`
    keeps it), each form's CSRF token written ``csrf_slot``: five queries, fewer when its
    tables are cached."""
    tables = page_cache.delegation_tables(
        meeting, delegation, (state.page_version, state.names_version)
    )
    notifications = selectors.notifications_of(delegation, limit=NOTICES_SHOWN)
    invitations = selectors.cosponsor_invitations_to(meeting.document, delegation)
    # Each notice and invitation names the proposal it is about by its place, as the table
    # below does.
    page_cache.attach_places(
        meeting.document,
        [
            *(
                note.proposal
                for note in notifications
                if note.proposal is not None and note.proposal.document_id == meeting.document.pk
            ),
            *(invitation.proposal for invitation in invitations),
        ],
    )
    round_ = OpenRoundShown(name=state.round[1], deadline=state.round[2]) if state.round else None
    return render_to_string(
        "drafting/_delegation_page_body.html",  # no request: nothing of the user's in it
        {
            **TEMPLATE_ENUMS,  # the context processor's, which runs only with a request
            "meeting": meeting,
            "delegation": delegation,
            "drafts": tables.drafts,
            "discarded": tables.discarded,
            "others": tables.others,
            "open_round": round_,
            "time_zone_label": time_zones.current_label(),
            "notifications": notifications,
            "read_before": state.read_before,
            "invitations": invitations,
            "open_statuses": cosponsorship.OPEN_STATUSES,
            "csrf_token": csrf_slot,
        },
    )


@dataclass(frozen=True)
class OpenRoundShown:
    """The open round as a delegation page shows it (read with the page's state)."""

    name: str
    deadline: datetime
