"""Pages of the working draft, revisions and element history: who sees what, and how fast."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting.models import Element, Revision
from drafting.render import page_cache
from drafting.services.elements import element_compose
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from tests.factories import (
    DocumentFactory,
    UserFactory,
    add_elements,
    chairs_office,
    delegate_of,
    secretariat,
)

pytestmark = pytest.mark.django_db


def _draft_url(slug="bms7"):
    return reverse("working_draft", args=[slug])


def test_anonymous_is_sent_to_sign_in_for_the_working_draft(client, bms7):
    response = client.get(_draft_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_reads_issued_revisions(client, bms7):
    """Issued revisions are public: the list and the zero draft itself."""
    response = client.get(reverse("revision_list", args=["bms7"]))
    assert response.status_code == 200
    assert "Zero draft" in response.text
    response = client.get(reverse("revision_detail", args=["bms7", 0]))
    assert response.status_code == 200
    assert "BMS7 Outcome Document – Zero Draft" in response.text
    assert "Excellency," in response.text


def test_anonymous_sees_no_history_links_on_a_revision(client, bms7):
    response = client.get(reverse("revision_detail", args=["bms7", 0]))
    assert 'class="history-link"' not in response.text


def test_anonymous_cannot_read_element_history(client, bms7):
    element = Element.objects.first()
    response = client.get(reverse("element_history", args=["bms7", element.pk]))
    assert response.status_code == 302


def test_signed_in_user_without_a_role_is_refused_the_working_draft(client, bms7):
    client.force_login(UserFactory())
    assert client.get(_draft_url()).status_code == 403
    element = Element.objects.first()
    assert client.get(reverse("element_history", args=["bms7", element.pk])).status_code == 403


@pytest.mark.parametrize(
    "make_user",
    [lambda: delegate_of("jpn"), chairs_office, secretariat],
    # Names, not addresses: each pytest-xdist worker must collect the same test ids.
    ids=["delegate", "chairs_office", "secretariat"],
)
def test_every_role_reads_the_working_draft(client, bms7, make_user):
    client.force_login(make_user())
    response = client.get(_draft_url())
    assert response.status_code == 200
    assert "BMS7 Outcome Document – Working Draft" in response.text


def test_working_draft_reads_like_the_annex(client, bms7):
    """Numbered items, lettered sections, bullets, placeholders, footnotes, brackets marked."""
    client.force_login(delegate_of("jpn"))
    html = client.get(_draft_url()).text
    assert '<span class="label">1.</span>' in html
    assert '<span class="label">e)</span>' in html
    assert "The Way Forward" in html
    assert html.count('class="placeholder"') == 12
    assert '<span class="bracket">[</span>' in html
    assert '<span class="unagreed depth-1">Decision on agenda of BMS8</span>' in html
    assert 'href="#fn-2" id="fnref-2"' in html
    assert 'id="fn-5"' in html
    assert "5</strong> open brackets in the document" in html
    assert "States’ responsibility for combating illicit trafficking of SALW" in html


def test_user_text_is_escaped_not_executed(client, bms7):
    element = Element.objects.filter(kind="theme").first()
    element.text = '<script>alert("x")</script> [<img src=x onerror=alert(1)>]'
    element.save(update_fields=["text"])
    client.force_login(delegate_of("jpn"))
    html = client.get(_draft_url()).text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<img src=x" not in html


def test_element_history_shows_who_changed_what(client, bms7):
    element = Element.objects.filter(kind="theme").first()
    editor = chairs_office(first_name="Grace", last_name="Otieno")
    element.text = "Effective [and transparent] control over SALW"
    element._history_user = editor
    element._change_reason = "Chair's proposal"
    element.save(update_fields=["text"])
    client.force_login(delegate_of("mex"))
    response = client.get(reverse("element_history", args=["bms7", element.pk]))
    assert response.status_code == 200
    html = response.text
    assert "Grace Otieno" in html
    assert "Chair&#x27;s proposal" in html
    assert "Zero draft circulated by the chair-designate of BMS7" in html
    assert html.index("Grace Otieno") < html.index("Zero draft circulated")  # newest first


def test_element_of_another_meeting_is_not_found(client, bms7):
    """Ids of another document's elements are not reachable through this meeting's URL."""
    other = DocumentFactory()
    add_elements(other, agenda_items=1, themes_per_item=1)
    foreign = Element.objects.filter(document=other).first()
    client.force_login(delegate_of("jpn"))
    url = reverse("element_history", args=["bms7", foreign.pk])
    assert client.get(url).status_code == 404


def test_unknown_meeting_and_revision_are_not_found(client, bms7):
    assert client.get(reverse("revision_list", args=["nope"])).status_code == 404
    assert client.get(reverse("revision_detail", args=["bms7", 9])).status_code == 404


def test_pages_refuse_writes(client, bms7):
    client.force_login(delegate_of("jpn"))
    assert client.post(_draft_url()).status_code == 405


def _queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_working_draft_does_a_fixed_number_of_queries_whatever_its_size(client, bms7):
    """A 10-element document and a 440-element one cost the same number of queries: on a
    first visit (which is recorded), on a repeat visit with the cache cold, and a repeat visit
    kept whole costs three (the session, the user, the page's state)."""
    small, large = DocumentFactory(), DocumentFactory()
    add_elements(small.__class__.objects.get(pk=small.pk), agenda_items=2, themes_per_item=4)
    add_elements(large, agenda_items=20, themes_per_item=21)
    client.force_login(delegate_of("jpn"))
    client.get(reverse("home"))  # the session is read once signed in
    first = [_queries_for(client, _draft_url(each.meeting.slug)) for each in (small, large)]
    assert first[0] == first[1] <= 13
    page_cache.clear()  # cold: the tree and the page are built from the database
    cold = [_queries_for(client, _draft_url(each.meeting.slug)) for each in (small, large)]
    assert cold[0] == cold[1] < first[0]
    kept = [_queries_for(client, _draft_url(each.meeting.slug)) for each in (small, large)]
    assert kept == [3, 3]


def test_the_cached_working_draft_shows_every_change_at_once(client, bms7, open_round):
    """A chair's edit, a new proposal and a new revision appear on the next page view."""
    japan = delegate_of("jpn")
    chair = chairs_office()
    client.force_login(japan)
    theme = Element.objects.get(text="Effective control over SALW")
    before = client.get(_draft_url()).text
    assert "Effective [effective] control" not in before
    element_compose(
        user=chair,
        element=theme,
        text="Effective [effective] control over SALW",
        expected_text=theme.text,
    )
    after = client.get(_draft_url()).text
    assert "effective" in after.split("Effective", 2)[-1][:200]
    assert after != before
    proposal_create(
        user=japan,
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text="Effective control over all SALW"),
    )
    assert "1 proposal" in client.get(_draft_url()).text


def test_revision_page_does_a_fixed_number_of_queries(client, bms7, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        client.get(reverse("revision_detail", args=["bms7", 0]))


def test_revision_list_query_count_does_not_grow(client, bms7, django_assert_max_num_queries):
    chair = chairs_office()
    for _ in range(5):
        revision_issue(document=bms7.document, issued_by=chair, cover_letter="Excellency,")
    assert Revision.objects.count() == 6
    with django_assert_max_num_queries(3):
        response = client.get(reverse("revision_list", args=["bms7"]))
    assert "Rev.5" in response.text


def test_screen_reader_text_names_kinds_in_words_not_field_values(client, bms7):
    """The hidden link texts read "a change to this agenda item" and "of agenda item 1.",
    never the stored value "agenda_item" (found by the crawl)."""
    from tests.factories import delegate_of

    client.force_login(delegate_of("jpn"))
    page = client.get(reverse("working_draft", args=["bms7"])).text
    assert "a change to this agenda item" in page
    assert "of agenda item 1." in page
    assert "agenda_item" not in page.replace('class="agenda-item"', "")
