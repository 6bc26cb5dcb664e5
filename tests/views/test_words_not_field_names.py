"""Words, not field names (issue #18, point 8): how a decision fared reads as words and is
styled by what it says; the revision's cover letter comes before its annex, as in the seed."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from drafting.models import Element
from drafting.services.decisions import proposal_accept_with_changes, proposal_reject
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db


def test_a_rejected_proposal_reads_not_reflected_and_is_not_styled_as_reflected(bms7, open_round):
    theme = Element.objects.filter(document=bms7.document, kind="theme").order_by("id").first()
    made = proposal_create(
        user=delegate_of("ken"),
        element=theme,
        content=ProposalContent(kind="delete"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    proposal_reject(user=chairs_office(), proposal=made)
    revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="L", export_pdf=False
    )
    client = Client()
    client.force_login(delegate_of("ken"))
    page = client.get(reverse("delegation_page", args=[bms7.slug])).content.decode()
    assert 'class="reflection reflection-not-reflected">Not reflected in Rev.1<' in page
    # The notice of the decision names the proposal by its place.
    news = page.split('id="news-title"')[1].split("</section>")[0]
    assert '<span class="place">(Agenda item' in news


def test_the_cover_letter_comes_before_the_annex(bms7):
    revision_issue(
        issued_by=chairs_office(),
        document=bms7.document,
        cover_letter="Dear colleagues, please find the revised draft annexed.",
        export_pdf=False,
    )
    page = Client().get(reverse("revision_detail", args=[bms7.slug, 1])).content.decode()
    assert page.index("Dear colleagues") < page.index('class="document-body"')


def test_the_proposals_history_names_the_decision_in_words(bms7, open_round):
    """The history on a proposal's page read "Chair's decision: accepted_with_changes"."""
    element = Element.objects.get(document=bms7.document, text="Illicit online trafficking")
    made = proposal_create(
        user=delegate_of("eu"),
        element=element,
        content=ProposalContent(kind="amend", proposed_text="Illicit online trafficking, [all]"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    proposal_accept_with_changes(
        user=chairs_office(), proposal=made, text="Illicit online trafficking, all of it"
    )
    client = Client()
    client.force_login(chairs_office())
    page = client.get(reverse("proposal_detail", args=[bms7.slug, made.public_id]))
    assert "Chair&#x27;s decision: accepted with changes<" in page.content.decode()
