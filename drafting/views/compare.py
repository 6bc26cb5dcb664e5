"""The comparison: a redline between two issued revisions (public), or between a revision and
the working draft."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from drafting import selectors
from drafting.access import permissions
from drafting.models import Revision
from drafting.render import page_cache
from drafting.selectors import pages
from drafting.text import redline
from drafting.text import snapshot as snapshots
from drafting.text.snapshot import SnapshotElement
from drafting.web.bounds import posted_number
from drafting.web.context_processors import reader_header_key

# The comparison's "to" value naming the working draft rather than a revision number.
WORKING_DRAFT = "draft"


@require_safe
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    """A redline between two issued revisions (public), or a revision and the working draft;
    ``?changes=only`` lists only the elements that changed, each with where it sits.

    Two issued revisions never change: a repeat view of their comparison reads the meeting,
    its newest revision and the reader's part in one query (`selectors.pages.
    compare_page_state`), then the page from the cache (`page_cache.page_parts`)."""
    user = request.user
    delegation = permissions.delegation_of(user)
    meeting, state = pages.compare_page_state(slug, delegation=delegation, user_id=user.pk)
    document = meeting.document
    pages.note_reader(user, meeting, state.reader)
    if not state.revisions:
        raise Http404
    can_draft = permissions.can_read_working_draft(user, document)
    changes_only = request.GET.get("changes") == "only"
    to_draft = request.GET.get("to", "") == WORKING_DRAFT
    if to_draft and not can_draft:
        raise PermissionDenied
    if to_draft or len(messages.get_messages(request)):
        return render(request, "drafting/compare.html", _compare_context(request, meeting))
    where = pages.page_where(meeting)
    # The pair asked for, as the page reads it: a number that names no revision shows the
    # default pair, as no number does, and makes no other page.
    numbers = {
        key: number if number is not None and number <= state.newest_number else None
        for key in ("from", "to")
        for number in [posted_number(request.GET.get(key, ""))]
    }
    asked = f"{numbers['from']}:{numbers['to']}"
    # Its own address, of the parameters it reads only: where signing in comes back to.
    chosen: dict[str, int | str] = {k: n for k, n in numbers.items() if n is not None}
    if changes_only:
        chosen["changes"] = "only"
    path = f"{request.path}?{urlencode(chosen)}" if chosen else request.path
    reader = pages.reader_key(state.reader)
    parts = page_cache.page_parts(
        body_key=(
            f"compare-body:{where}:{state.revisions}:{asked}:{int(changes_only)}:{int(can_draft)}"
        ),
        build_body=lambda slot: render_to_string(
            "drafting/_compare_page_body.html",
            {**_compare_context(request, meeting), "csrf_token": slot},
            request,
        ),
        shell_key=f"compare-shell:{where}:{reader_header_key(request, path)}:{reader}",
        build_shell=lambda slot: render_to_string(
            "drafting/compare.html",
            {
                "meeting": meeting,
                "page_body": page_cache.body_mark(),
                "csrf_token": slot,
                "sign_in_next": path,
            },
            request,
        ),
    )
    return HttpResponse(parts.html(get_token(request)))


def _compare_context(request: HttpRequest, meeting) -> dict[str, Any]:
    """The comparison asked for (its body and choices); the revisions are issued ones, or
    the working draft for a reader who may read it (checked by the view)."""
    document = meeting.document
    revisions = list(selectors.revisions_of(document))  # without their snapshots
    by_number: dict[int | None, Revision] = {revision.number: revision for revision in revisions}
    old_number = request.GET.get("from", "")
    new_number = request.GET.get("to", "")
    changes_only = request.GET.get("changes") == "only"
    can_draft = permissions.can_read_working_draft(request.user, document)
    old = by_number.get(posted_number(old_number)) or (
        revisions[-2] if len(revisions) > 1 else revisions[0]
    )
    shown_to: str | int  # "draft", or the revision's number
    if new_number == WORKING_DRAFT:
        new_label, shown_to = _("Working draft"), "draft"
        # The working draft as built: what was deleted since keeps its number until issued.
        body_html = _comparison(
            old,
            new_label,
            selectors.working_draft_snapshot(document)["elements"],
            changes_only=changes_only,
        )
    else:
        new = by_number.get(posted_number(new_number)) or revisions[-1]
        new_label, shown_to = new.label, new.number
        # Two issued revisions never change: their comparison is made once, in the shared cache.
        body_html = page_cache.revision_comparison(
            old,
            new,
            lambda: _comparison(
                old,
                new.label,
                snapshots.clean_tree(new.snapshot["elements"]),
                changes_only=changes_only,
            ),
            variant="changes" if changes_only else "",
        )
    return {
        "meeting": meeting,
        "body_html": body_html,
        "old_label": old.label,
        "new_label": new_label,
        "revisions": revisions,
        "old_number": old.number,
        "new_number": shown_to,
        "can_draft": can_draft,
        "changes_only": changes_only,
        "toggle_query": urlencode(
            {"from": old.number, "to": shown_to} | ({} if changes_only else {"changes": "only"})
        ),
    }


def _comparison(
    old: Revision, new_label: str, new_tree: list[SnapshotElement], *, changes_only: bool
) -> str:
    """The redline's summary, bracket counts and rows (escaped by the template): ``old`` as
    published (without its deleted elements, numbered again) against ``new_tree``."""
    return render_to_string(
        "drafting/_compare_body.html",
        {
            "redline": redline.compare(snapshots.clean_tree(old.snapshot["elements"]), new_tree),
            "old_label": old.label,
            "new_label": new_label,
            "changes_only": changes_only,
        },
    )
