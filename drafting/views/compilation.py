"""The compilation: the working draft with every submitted proposal under its element, whole
or for one agenda item (``?item=``), filterable; for the chair's office each card carries its
decision forms, which post to `views.chair.quick_decision`."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from drafting.access import permissions
from drafting.models import PRIVATE_STATUSES, MarkStance, ProposalKind, ProposalStatus
from drafting.render import page_cache, presenters
from drafting.render.rendering import compiled_rows
from drafting.selectors import pages
from drafting.selectors.compilation import (
    compilation_choices,
    compilation_entries,
    open_counts_per_agenda_item,
    proposing_delegations,
)
from drafting.web.bounds import posted_number
from drafting.web.context_processors import header_key


@require_safe
@login_required
def compilation(request: HttpRequest, slug: str) -> HttpResponse:
    """The working draft with every submitted proposal under its element, filterable.

    A repeat view reads the meeting and the versions of everything the page shows in one
    query (`selectors.pages.compilation_state`), then the page from the cache
    (`page_cache.page_parts`): its body, the same for every reader of the same variant (the
    chair's office's, with its decision forms, or everyone else's) and filters, and the
    shell around it of this reader."""
    user = request.user
    delegation = permissions.delegation_of(user)
    meeting, state = pages.compilation_state(slug, delegation=delegation, user_id=user.pk)
    document = meeting.document
    pages.note_reader(user, meeting, state.reader)
    if not permissions.can_read_working_draft(user, document):
        raise PermissionDenied
    filters = {key: request.GET.get(key, "")[:40] for key in COMPILATION_FILTERS}
    # The page's own address, of its filters only: what the page is kept under, polled at
    # and comes back to after a decision (other parameters make no other page).
    chosen = {key: value for key, value in filters.items() if value}
    path = f"{request.path}?{urlencode(chosen)}" if chosen else request.path
    can_decide = permissions.can_decide(user, document)
    # The page's own poll (htmx, every 30 s) swaps in its rows alone: it is served the page
    # kept whole and leaves a decision's message and waiting messages for the next page.
    polled = bool(getattr(request, "htmx", False))
    decided = request.session.pop(DECIDED, None) if can_decide and not polled else None

    def context(csrf_token: str = "") -> dict[str, Any]:
        page = _compilation_page(
            request,
            meeting,
            filters,
            can_decide,
            decided=decided,
            csrf_token=csrf_token,
            path=path,
        )
        return {
            **page,
            "page_path": path,
            "meeting": meeting,
            "filters": filters,
            "kinds": ProposalKind.choices,
            "statuses": [s for s in ProposalStatus.choices if s[0] not in PRIVATE_STATUSES],
            "stances": MarkStance.choices,
            "can_decide": can_decide,
        }

    if decided or (not polled and len(messages.get_messages(request))):  # shown once: not kept
        return render(request, "drafting/compilation.html", context())
    where = pages.page_where(meeting)
    reader = pages.reader_key(state.reader)
    parts = page_cache.page_parts(
        body_key=(
            f"compilation-body:{where}:{document.version}:{state.key()}:{int(can_decide)}:{path}"
        ),
        build_body=lambda slot: render_to_string(
            "drafting/_compilation_body.html", {**context(slot), "csrf_token": slot}, request
        ),
        shell_key=f"compilation-shell:{where}:{header_key(user)}:{reader}",
        build_shell=lambda slot: render_to_string(
            "drafting/compilation.html",
            # A shell kept for the reader never holds a message (one waits while the page
            # polls itself).
            {
                "meeting": meeting,
                "page_body": page_cache.body_mark(),
                "csrf_token": slot,
                "messages": (),
            },
            request,
        ),
    )
    return HttpResponse(parts.html(get_token(request)))


# The compilation's filters (GET parameters); ``show=all`` lists elements without proposals too.
COMPILATION_FILTERS = (
    "item",
    "delegation",
    "kind",
    "status",
    "stance",
    "round",
    "revision",
    "show",
)


def _compilation_entries(document, document_view, filters: dict[str, str], **narrower):
    item_id = posted_number(filters["item"])
    return compilation_entries(
        document,
        # PostgreSQL refuses a NUL in a query; no delegation's code holds one.
        delegation_code=filters["delegation"].replace("\x00", ""),
        kind=filters["kind"] if filters["kind"] in ProposalKind.values else "",
        status=filters["status"] if filters["status"] in ProposalStatus.values else "",
        stance=filters["stance"] if filters["stance"] in MarkStance.values else "",
        round_id=posted_number(filters["round"]),
        base_revision_number=posted_number(filters["revision"]),
        element_ids=(
            narrower.get("element_ids")
            or (presenters.subtree_ids(document_view, item_id) if item_id else None)
        ),
    )


def _compilation_page(
    request: HttpRequest,
    meeting,
    filters: dict[str, str],
    can_decide: bool,
    *,
    decided: dict[str, str] | None = None,
    csrf_token: str = "",
    path: str = "",
):
    """The compilation's rows and filters (the decision forms with ``csrf_token``, else the
    request's, coming back to ``path``, else the request's); ``decided`` (a proposal's public
    id and a
    message) puts the message of a decision just made beside its card, or at the top when
    the filters leave the card out."""
    document = meeting.document
    document_view = page_cache.working_draft_view(meeting)
    entries = _compilation_entries(document, document_view, filters)
    blocks = page_cache.compilation_blocks(meeting, entries)
    rows, _counted = presenters.compile_rows(
        document_view,
        entries,
        agenda_item_id=posted_number(filters["item"]),
        card=lambda entry: (entry, blocks[entry.id]),
    )
    per_item = open_counts_per_agenda_item(document, document_view)
    # By default only the elements with a proposal, under the headings of what they sit in;
    # ``show=all`` the whole draft, unless a filter on proposals narrows it (then an element
    # without one matches nothing).
    narrowed = any(filters[key] for key in COMPILATION_FILTERS if key not in {"item", "show"})
    shown = rows if filters["show"] == "all" and not narrowed else presenters.rows_in_context(rows)
    # Each row lists (entry, its cached block), as ``card`` above makes them.
    if decided and decided["proposal"] not in {
        cast(Any, card)[0].public_id for row in shown for card in row.proposals
    }:
        messages.info(request, decided["message"])
    return {
        # The chair's decision forms (with this request's CSRF token) only when live.
        "rows_html": compiled_rows(
            request,
            shown,
            meeting,
            can_decide,
            message=decided["message"] if decided else "",
            message_for=decided["proposal"] if decided else "",
            csrf_token=csrf_token,
            path=path,
        ),
        "agenda_items": [(item, per_item.get(item.id, 0)) for item in document_view.agenda_items],
        "delegations": proposing_delegations(document),
        **compilation_choices(document),
        "total": len(entries),
        "open_total": sum(per_item.values()),
    }


# The session's note of a decision made without JavaScript (`views.chair.quick_decision`),
# shown beside its card once.
DECIDED = "drafting_decided"
