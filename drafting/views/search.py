"""Search a meeting: a GET form, and what the reader may read that matches it."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from drafting import search, selectors
from drafting.forms import SearchForm
from drafting.models import Delegation, ElementKind, ElementStatus
from drafting.text.numbering import SUBTHEME_BULLET, THEME_BULLET
from drafting.text.places import Place

BULLETS = {THEME_BULLET, SUBTHEME_BULLET, ""}


def place_words(place: Place | None) -> str:
    """Where an element sits, in words: "Agenda item 2, section B, theme -: States should…"."""
    if place is None:
        return _("an element no longer in the working draft")
    parts = []
    if place.agenda_item_label and place.agenda_item_id != place.element_id:
        parts.append(_("Agenda item %(label)s") % {"label": place.agenda_item_label.rstrip(".")})
    if place.section_label:
        parts.append(_("section %(label)s") % {"label": place.section_label})
    kind = ElementKind(place.kind).label if place.kind in ElementKind.values else place.kind
    # Bullets ("-", "o") name nothing; numbers and letters do ("2", "b)").
    label = "" if place.label in BULLETS else place.label.rstrip(".")
    own = f"{kind} {label}".strip()
    parts.append(own if parts else own[:1].upper() + own[1:])
    where = ", ".join(str(part) for part in parts)
    return f"{where}: {place.opening}" if place.opening else where


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
