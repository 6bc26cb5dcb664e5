"""Every proposal says where it sits (issue #18, point 1): agenda item, section, label and
opening words on the proposal form, the proposal page and the delegation's page; the
compilation's regions are named by words, not by a bullet."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from drafting.models import Element
from drafting.render import page_cache
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.text.places import opening_words
from tests.factories import delegate_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(bms7, open_round):
    theme = (
        Element.objects.filter(document=bms7.document, kind="theme", parent__kind="section")
        .select_related("parent__parent")
        .order_by("id")
        .first()
    )
    made = proposal_create(
        user=delegate_of("ken"),
        element=theme,
        content=ProposalContent(kind="delete"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    return bms7, theme, made


def _flat(html: str) -> str:
    return re.sub(r"\s+", " ", html)


def test_the_proposal_form_page_and_delegation_page_say_where(proposal):
    meeting, theme, made = proposal
    client = Client()
    client.force_login(delegate_of("ken"))
    opening = opening_words(theme.text)
    pages = {
        "form": reverse("propose", args=[meeting.slug, theme.pk]),
        "proposal page": reverse("proposal_detail", args=[meeting.slug, made.public_id]),
        "delegation page": reverse("delegation_page", args=[meeting.slug]),
    }
    place = page_cache.draft_places(meeting.document)[theme.pk]
    item, section = place.agenda_item_label.rstrip("."), place.section_label
    first_words = " ".join(opening.split()[:2])
    for name, url in pages.items():
        page = _flat(client.get(url).content.decode())
        found = re.search(r"Agenda item (\d+), section ([a-z]\)), theme: ([^<]+)<", page)
        assert found, name
        assert (found.group(1), found.group(2)) == (item, section), name
        assert found.group(3).startswith(first_words), (name, found.group(0))


def test_the_delegation_page_reads_places_in_a_bounded_number_of_queries(
    proposal, django_assert_max_num_queries
):
    meeting, _theme, _made = proposal
    kenya = delegate_of("ken")
    for element in Element.objects.filter(document=meeting.document, kind="theme")[:20]:
        proposal_create(
            user=kenya,
            element=element,
            content=ProposalContent(kind="comment", rationale="A note."),
            idempotency_key=uuid.uuid4(),
            submit=False,
        )
    client = Client()
    client.force_login(kenya)
    client.get(reverse("delegation_page", args=[meeting.slug]))  # places kept
    with django_assert_max_num_queries(14):
        page = client.get(reverse("delegation_page", args=[meeting.slug]))
    assert _flat(page.content.decode()).count('class="place">Agenda item') >= 21


def test_compilation_regions_are_named_by_words_not_bullets(proposal):
    meeting, _theme, _made = proposal
    client = Client()
    client.force_login(delegate_of("jpn"))
    page = client.get(reverse("compilation", args=[meeting.slug])).content.decode()
    labels = re.findall(r'class="compiled[^"]*" id="e-\d+" aria-label="([^"]*)"', page)
    assert labels
    assert not [label for label in labels if label.rstrip().endswith((" -", " o"))]
