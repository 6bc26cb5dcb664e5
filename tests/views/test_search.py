"""Search (issue #18, point 6): the working draft, issued revisions and proposals, with
filters; each role finds only what it may read; bad input is an error beside its field."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from drafting.models import Delegation, Document, Element, Proposal
from drafting.selectors import search
from drafting.services.decisions import proposal_accept
from drafting.services.proposals import ProposalContent
from drafting.services.proposals import proposal_create as _create
from drafting.services.revisions import revision_issue
from tests.factories import chairs_office, delegate_of, open_round_for_an_hour, secretariat

pytestmark = pytest.mark.django_db


def proposal_create(*, submit: bool = False, **kwargs):
    return _create(idempotency_key=uuid.uuid4(), submit=submit, **kwargs)


@pytest.fixture(scope="module")
def _world(module_db, django_db_blocker) -> tuple[int, dict[str, int]]:
    """Kenya proposes on a theme (submitted) and keeps a draft; Rev.1 is issued with the
    accepted proposal; Japan proposes after Rev.1. Made once for the module (tests/conftest.py,
    ``module_db``): what a test adds to it rolls back."""
    with django_db_blocker.unblock():
        document = Document.objects.get(meeting__slug="bms7")
        open_round_for_an_hour(document)
        kenya, japan = delegate_of("ken"), delegate_of("jpn")
        theme = Element.objects.filter(document=document, kind="theme").order_by("id")[3]
        accepted = proposal_create(
            user=kenya,
            element=theme,
            content=ProposalContent(
                kind="amend",
                proposed_text=theme.text + " including zanzibarite",
                rationale="Covers quokkaform cases.",
            ),
            submit=True,
        )
        proposal_accept(user=chairs_office(), proposals=[accepted])
        revision_issue(
            issued_by=chairs_office(), document=document, cover_letter="Letter", export_pdf=False
        )
        theme.refresh_from_db()
        draft = proposal_create(
            user=kenya,
            element=theme,
            content=ProposalContent(kind="comment", rationale="Secret zanzibarite thought."),
        )
        public = proposal_create(
            user=japan,
            element=theme,
            content=ProposalContent(
                kind="amend", proposed_text=theme.text + " <script>alert(1)</script> zanzibarite"
            ),
            submit=True,
        )
        return theme.pk, {"accepted": accepted.pk, "draft": draft.pk, "public": public.pk}


@pytest.fixture
def world(_world, bms7):
    """The module's negotiation: the meeting, the theme, the proposals (read afresh)."""
    theme_pk, proposal_pks = _world
    proposals = {name: Proposal.objects.get(pk=pk) for name, pk in proposal_pks.items()}
    return bms7, Element.objects.get(pk=theme_pk), proposals


def _get(user, slug: str, query: str) -> str:
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(reverse("search", args=[slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_delegate_finds_the_draft_the_revisions_and_the_proposals(world):
    meeting, theme, proposals = world
    page = _get(delegate_of("ken"), meeting.slug, "?query=zanzibarite")
    assert "In the working draft" in page and "In issued revisions" in page
    assert f"#e-{theme.pk}" in page
    assert reverse("proposal_detail", args=[meeting.slug, proposals["public"].public_id]) in page
    # Its own draft, and no other delegation's.
    assert "Secret" in page
    assert "Secret" not in _get(delegate_of("jpn"), meeting.slug, "?query=zanzibarite")


def test_words_are_found_in_any_form_and_marked(world):
    meeting, _theme, _proposals = world
    page = _get(chairs_office(), meeting.slug, "?query=quokkaforms")
    assert "<mark>quokkaform</mark>" in page


def test_the_public_finds_issued_revisions_only(world):
    meeting, _theme, proposals = world
    page = _get(None, meeting.slug, "?query=zanzibarite")
    assert "In issued revisions" in page and "Rev.1" in page
    assert "In the working draft" not in page and "In proposals" not in page
    assert str(proposals["public"].public_id) not in page
    # Asking for proposals anyway finds nothing and names the error.
    asked = _get(None, meeting.slug, "?query=zanzibarite&where=proposals")
    assert "In issued revisions" not in asked and 'id="field-where"' in asked


def test_user_text_is_escaped_in_results(world):
    meeting, _theme, _proposals = world
    page = _get(secretariat(), meeting.slug, "?query=zanzibarite&where=proposals")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_filters_narrow_by_delegation_status_kind_and_agenda_item(world):
    meeting, theme, proposals = world
    slug = meeting.slug
    by_japan = _get(
        chairs_office(),
        slug,
        f"?query=zanzibarite&delegation={Delegation.objects.get(code='jpn').pk}",
    )
    assert str(proposals["public"].public_id) in by_japan
    assert str(proposals["accepted"].public_id) not in by_japan
    assert "In the working draft" not in by_japan  # a delegation is a property of proposals
    accepted = _get(chairs_office(), slug, "?query=zanzibarite&status=accepted")
    assert str(proposals["accepted"].public_id) in accepted
    assert str(proposals["public"].public_id) not in accepted
    other_kind = _get(chairs_office(), slug, "?query=zanzibarite&kind=paragraph")
    assert "Nothing found." in other_kind
    item = theme
    while item.parent_id is not None:
        item = item.parent
    in_item = _get(chairs_office(), slug, f"?query=zanzibarite&agenda_item={item.pk}")
    assert f"#e-{theme.pk}" in in_item
    other_item = (
        Element.objects.filter(document=meeting.document, kind="agenda_item")
        .exclude(pk=item.pk)
        .first()
    )
    assert "Nothing found." in _get(
        chairs_office(), slug, f"?query=zanzibarite&agenda_item={other_item.pk}"
    )


def test_the_same_text_in_several_revisions_is_one_hit(world):
    meeting, _theme, _proposals = world
    revision_issue(
        issued_by=chairs_office(), document=meeting.document, cover_letter="L2", export_pdf=False
    )
    page = _get(None, meeting.slug, "?query=zanzibarite")
    assert page.count("the same text in 1 earlier revision") == 1
    assert "Rev.2 · " in page


@pytest.mark.parametrize(
    "query",
    [
        "?query=" + "x" * 201,
        "?query=a&agenda_item=abc",
        "?query=a&agenda_item=99999999999999999999",
        "?query=a&kind=nonsense",
        "?query=a&status=discarded",
        "?query=a&delegation=-1",
        "?query=a&where=everywhere",
    ],
)
def test_bad_input_is_an_error_beside_its_field_not_a_crash(world, query):
    meeting, _theme, _proposals = world
    page = _get(chairs_office(), meeting.slug, query)
    assert 'class="field-errors"' in page
    assert "result" not in page.split("</form>")[1]


def test_websearch_syntax_never_fails(world):
    meeting, _theme, _proposals = world
    for query in ['"', "-", "OR", "(&|!)", "a:* & b", "'", "\\", "<>"]:
        _get(chairs_office(), meeting.slug, "?" + f"query={query}".replace("&", "%26", 1))


def test_search_reads_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    """However many proposals match (here 60), the page makes the same few queries."""
    meeting, theme, _proposals = world
    client = Client()
    client.force_login(chairs_office())
    for code in list(Delegation.objects.filter(kind="member_state").values_list("code", flat=True))[
        :60
    ]:
        proposal_create(
            user=delegate_of(code),
            element=theme,
            content=ProposalContent(kind="comment", rationale="zanzibarite again"),
            submit=True,
        )
    with django_assert_max_num_queries(17):
        response = client.get(reverse("search", args=[meeting.slug]) + "?query=zanzibarite")
    page = response.content.decode()
    assert "Only the first 50 are shown" in page


def test_the_demo_database_path_finds_the_same(world, monkeypatch):
    """SQLite has no full-text search: the plain path finds by stems in Python."""
    meeting, _theme, proposals = world
    on_postgres = _get(delegate_of("ken"), meeting.slug, "?query=zanzibarite")
    monkeypatch.setattr(search, "_postgres", lambda: False)
    plain = _get(delegate_of("ken"), meeting.slug, "?query=zanzibarite")
    for marker in ("In the working draft", "In issued revisions", "Secret"):
        assert marker in on_postgres and marker in plain
    assert str(proposals["public"].public_id) in plain


def test_a_delegations_name_finds_its_proposals(world):
    meeting, _theme, proposals = world
    page = _get(chairs_office(), meeting.slug, "?query=Japan&where=proposals")
    assert str(proposals["public"].public_id) in page
    assert str(proposals["accepted"].public_id) not in page


def test_an_issued_text_the_draft_still_reads_is_listed_once(world):
    """Looking everywhere, Rev.1's text that the working draft still reads is listed under the
    working draft only, with a link to list it among the revisions too."""
    meeting, theme, _proposals = world
    page = _get(chairs_office(), meeting.slug, "?query=zanzibarite")
    assert page.count(f"#e-{theme.pk}") == 1
    assert "1 issued text reads as in the working draft" in page
    listed = _get(chairs_office(), meeting.slug, "?query=zanzibarite&where=revisions")
    assert "Rev.1 · " in listed and f"#e-{theme.pk}" in listed
