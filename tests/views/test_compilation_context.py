"""The compilation keeps its context (#18.1, #18.5): the elements with proposals appear under
the headings of what they sit in (agenda item, section, the theme of a sub-theme), once each,
in reading order, at no query more; filters still narrow it."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting.models import Element
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"
SECTION = "Preventing and combating the diversion and the illicit international transfer"
SUBTHEME = "Impact of the illicit trade in SALW"
PARENT_THEME = "PoA in the context of conflict and post-conflict settings"


def _submit(code, element, text, kind="amend"):
    return proposal_create(
        user=delegate_of(code),
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind=kind, proposed_text=text),
    )


def _page(client, **filters) -> str:
    response = client.get(reverse("compilation", args=["bms7"]), filters)
    assert response.status_code == 200
    return response.text


def _headings(html: str) -> list[str]:
    """The ids of the context rows (headings only), in the order of the page."""
    return re.findall(r'<div class="compiled compiled-context depth-\d" id="e-(\d+)">', html)


def _element(text: str) -> Element:
    return Element.objects.get(text__startswith=text)


def test_rows_sit_under_the_headings_of_what_they_are_in(client, round_1):
    theme, subtheme = _element(THEME), _element(SUBTHEME)
    section, item = theme.parent, theme.parent.parent
    parent_theme = subtheme.parent
    first = _submit("mex", theme, f"Enhanced {THEME.lower()}")
    second = _submit("jpn", theme, f"{THEME} and transit states")
    on_sub = _submit("bra", subtheme, f"{SUBTHEME} on women")
    client.force_login(chairs_office())
    html = _page(client)

    # The agenda item, section d) and the theme of the sub-theme, then section e): once
    # each, in reading order.
    ids = [item.pk, parent_theme.parent_id, parent_theme.pk, section.pk]
    assert _headings(html) == [str(pk) for pk in ids]
    order = [
        html.index(f'id="e-{item.pk}"'),
        html.index(f'id="e-{parent_theme.parent_id}"'),
        html.index(f'id="e-{parent_theme.pk}"'),
        html.index(f'id="p-{on_sub.public_id}"'),
        html.index(f'id="e-{section.pk}"'),
        html.index(f'id="p-{first.public_id}"'),
        html.index(f'id="p-{second.public_id}"'),
    ]
    assert order == sorted(order)
    heading = re.search(rf'id="e-{section.pk}">(.*?)</div>', html).group(1)
    assert '<span class="label">e)</span> Preventing and combating' in heading
    # A heading only: no proposals, no open count, no review tool of its own.
    assert "open-count" not in heading and "review-link" not in heading
    # The parent of a sub-theme by its opening words, not its whole text.
    parent = re.search(rf'id="e-{parent_theme.pk}">(.*?)</div>', html).group(1)
    assert "PoA in the context of conflict" in parent
    # Only the rows with proposals are whole sections.
    assert len(re.findall(r'<section class="compiled ', html)) == 2


def test_filters_narrow_the_headings_too(client, round_1):
    theme, subtheme = _element(THEME), _element(SUBTHEME)
    _submit("mex", theme, f"Enhanced {THEME.lower()}")
    on_sub = _submit("bra", subtheme, f"{SUBTHEME} on women")
    client.force_login(chairs_office())

    html = _page(client, delegation="bra")
    parent = subtheme.parent
    ids = [parent.parent.parent_id, parent.parent_id, parent.pk]
    assert _headings(html) == [str(pk) for pk in ids]
    assert str(on_sub.public_id) in html
    # The agenda item's filter keeps its own headings.
    html = _page(client, item=theme.parent.parent.pk)
    assert len(_headings(html)) == 4
    # Everything asked for: the whole draft, no heading-only rows.
    assert _headings(_page(client, show="all")) == []
    assert "No proposal matches these filters." in _page(client, delegation="fra")
    assert _headings(_page(client, delegation="fra")) == []


def test_the_headings_cost_no_query(client, round_1):
    """The headings come from the working draft's view, already read for the page."""
    client.force_login(chairs_office())

    def queries(**filters) -> int:
        _page(client, **filters)
        with CaptureQueriesContext(connection) as captured:
            _page(client, **filters)
        return len(captured)

    _submit("arg", _element(THEME), f"{THEME} [x]")
    whole = queries(show="all")
    few = queries()
    assert few == whole
    codes = ["mex", "bra", "fra", "deu", "ind", "nga"]
    themes = Element.objects.filter(kind="theme").exclude(text="")
    for index, element in enumerate(themes[:12]):
        _submit(codes[index % 6], element, f"{element.text} [option {index}]")
    _submit("jpn", _element(SUBTHEME), f"{SUBTHEME} [y]")
    html = _page(client)
    assert len(_headings(html)) >= 4
    assert queries() == few
