"""Search a meeting: a GET form, and what the reader may read that matches it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from drafting import selectors
from drafting.forms import SearchForm
from drafting.models import Delegation, ElementStatus
from drafting.render.rendering import place_words
from drafting.selectors import search


@require_safe
def search_page(request: HttpRequest, slug: str) -> HttpResponse:
    """Open to everyone who may read the meeting: the public searches issued revisions."""
    meeting = selectors.meeting_with_document(slug)
    scope = search.scope(meeting, request.user)
    delegations = (
        list(Delegation.objects.order_by("short_name").values_list("pk", "short_name"))
        if scope.reads_drafts
        else []
    )
    form = SearchForm(
        request.GET or None,
        agenda_items=[(place.element_id, place.label) for place in scope.agenda_items],
        delegations=delegations,
        reads_drafts=scope.reads_drafts,
        own_drafts=scope.own_delegation is not None,
    )
    results = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        results = search.search(
            meeting,
            scope,
            search.Filters(
                query=data["query"],
                where=data["where"],
                agenda_item=data["agenda_item"],
                kind=data["kind"],
                status=data.get("status") or "",
                delegation=data.get("delegation"),
            ),
        )
        for hit in [*results.draft, *results.revisions]:
            hit.place_words = place_words(hit.place)
        for proposal_hit in results.proposals:
            proposal_hit.place_words = place_words(proposal_hit.place)
    return render(
        request,
        "drafting/search.html",
        {
            "meeting": meeting,
            "form": form,
            "results": results,
            "limit": search.LIMIT,
            "revisions_only_query": _with(request, where=search.REVISIONS),
            "deleted": ElementStatus.DELETED,
        },
    )


def _with(request: HttpRequest, **changes: str) -> str:
    """This page's query string with ``changes`` made (for links that narrow a search)."""
    query = request.GET.copy()
    for name, value in changes.items():
        query[name] = value
    return query.urlencode()
