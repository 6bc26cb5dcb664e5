"""The desk refreshes while open (#18.7): its live part is asked for again every few
seconds; the answer is 204 while nothing it shows has changed (one query after the
session and the user), else the part again with its new key; only the user's own desk; a
position can be taken from the desk."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from drafting.models import Element, MeetingVisit, ProposalMark
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.proposals import (
    proposal_discard,
    proposal_submit,
)
from tests.factories import (
    DocumentFactory,
    add_elements,
    amendment,
    chairs_office,
    delegate_of,
    secretariat,
)

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
OTHER_THEME = "Cooperation between exporting and importing states"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _propose(user, text: str = THEME, *, submit: bool = True, words: str = "[all] "):
    element = Element.objects.get(text=text)
    return amendment(user, element, f"{words}{element.text}", submit=submit)


def _poll_url(html: str) -> str:
    """The live part's own address, with the key the page was given."""
    found = re.search(r'data-hx-get="([^"]*/desk/live/\?key=[0-9a-f]+)"', html)
    assert found, "no poller on the desk"
    return found.group(1)


def test_the_delegates_desk_polls_and_hears_204_until_something_changes(open_round, settings):
    settings.LIVE_POLL_SECONDS = 7
    kenya = _client(delegate_of("ken"))
    page = kenya.get(reverse("desk", args=["bms7"])).text
    assert 'data-hx-trigger="every 7s"' in page
    assert '<div id="live-news" class="visually-hidden" role="status" aria-live="polite">' in page
    url = _poll_url(page)
    visits = list(MeetingVisit.objects.values_list("previous_visit_at", "last_visit_at"))

    unchanged = kenya.get(url, headers={"HX-Request": "true"})
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert "no-cache" in unchanged["Cache-Control"]

    # Japan submits: it waits for Kenya's position; the live part comes back with it.
    japans = _propose(delegate_of("jpn"), words="[Japan's] ")
    changed = kenya.get(url, headers={"HX-Request": "true"})
    assert changed.status_code == 200
    part = changed.text
    assert part.lstrip().startswith('<div id="desk-live" data-live-rows')
    assert str(japans.public_id) in part and "<h1" not in part and 'id="live-news"' not in part
    assert "1 proposal waits for your position" in part  # what the polite region will say
    fresh = _poll_url(part)
    assert fresh != url
    assert kenya.get(fresh).status_code == 204
    # Polling is not visiting: "since your last visit" stays put.
    assert list(MeetingVisit.objects.values_list("previous_visit_at", "last_visit_at")) == visits


def test_decisions_and_marks_of_others_change_the_key(open_round):
    japan = delegate_of("jpn")
    japans = _propose(japan, words="[Japan's] ")
    client = _client(japan)
    url = _poll_url(client.get(reverse("desk", args=["bms7"])).text)
    assert client.get(url).status_code == 204
    mark_set(user=delegate_of("ind"), proposal=japans, stance="support")
    url = _poll_url(client.get(url).text)
    assert client.get(url).status_code == 204
    proposal_reject(user=chairs_office(), proposal=japans, note="Too broad.")
    part = client.get(url).text
    assert "Too broad." in part
    url = _poll_url(part)
    assert client.get(url).status_code == 204


def test_the_chairs_desk_refreshes_its_counts(open_round):
    client = _client(chairs_office())
    page = client.get(reverse("desk", args=["bms7"])).text
    assert 'id="live-news"' in page
    url = _poll_url(page)
    assert client.get(url).status_code == 204
    _propose(delegate_of("jpn"), words="[Japan's] ")
    _propose(delegate_of("ind"), words="[India's] ")
    part = client.get(url).text
    assert "2 open proposals" in part and 'id="conflicts-title"' in part
    assert 'data-live-summary="The desk was updated: 2 open proposals;' in part


@pytest.mark.parametrize("count", [1, 12])
def test_the_poll_reads_a_bounded_number_of_queries(
    open_round, count, django_assert_max_num_queries
):
    kenya = delegate_of("ken")
    for n in range(count):
        _propose(delegate_of("jpn"), words=f"[jpn {n}] ")
    for user in (kenya, chairs_office()):
        client = _client(user)
        url = _poll_url(client.get(reverse("desk", args=["bms7"])).text)
        # Session, user, then the meeting with the key (`desk_state`): one statement.
        with django_assert_max_num_queries(3):
            assert client.get(url).status_code == 204
        _propose(delegate_of("ind"), words=f"[ind {user.pk}] ")
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_only_the_users_own_desk(open_round):
    """No desk, no live part: a delegation that does not take part, the secretariat, and
    anyone signed out; a delegate's part never shows another delegation's drafts."""
    other = DocumentFactory(meeting__slug="bms8", meeting__delegations=[]).meeting
    add_elements(other.document, agenda_items=1, themes_per_item=1)
    url = reverse("desk_live", args=["bms8"])
    assert _client(delegate_of("ken")).get(url).status_code == 403
    here = reverse("desk_live", args=["bms7"])
    assert _client(secretariat()).get(here).status_code == 403
    assert Client().get(here).status_code == 302
    assert (
        _client(delegate_of("ken")).get(reverse("desk_live", args=["nowhere"])).status_code == 404
    )
    _propose(delegate_of("mex"), submit=False, words="[Mexico's secret draft] ")
    part = _client(delegate_of("ken")).get(here).text
    assert "Mexico&#x27;s secret draft" not in part and "Mexico's secret draft" not in part
    assert "secret draft" in _client(delegate_of("mex")).get(here).text


def test_a_position_is_taken_from_the_desk(open_round):
    japans = _propose(delegate_of("jpn"), words="[Japan's] ")
    kenya = delegate_of("ken")
    client = _client(kenya)
    page = client.get(reverse("desk", args=["bms7"])).text
    form = page.split('class="desk-mark-form"')[1].split("</form>")[0]
    assert f'for="note-{japans.public_id}"' in form and 'name="next" value="desk"' in form
    response = client.post(
        reverse("proposal_mark", args=["bms7", japans.public_id]),
        {"stance": "reservation", "note": "Too <b>wide</b>", "version": 1, "next": "desk"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("desk", args=["bms7"])
    assert ProposalMark.objects.get(proposal=japans).note == "Too <b>wide</b>"
    page = client.get(response["Location"]).text
    assert "Nothing waits for your position." in page and "Too &lt;b&gt;wide&lt;/b&gt;" in page


def test_another_delegations_drafts_do_not_change_the_key(open_round):
    """The poll's 204 or 200 says nothing of what other delegations write in private: a
    draft written, edited or discarded elsewhere (here, or at another meeting) leaves every
    other desk's key as it was; its submission is news."""
    japan = delegate_of("jpn")
    mexico = delegate_of("mex")
    readers = [_client(user) for user in (delegate_of("ken"), chairs_office())]
    urls = [_poll_url(client.get(reverse("desk", args=["bms7"])).text) for client in readers]
    draft = _propose(mexico, submit=False, words="[Mexico's secret] ")
    other = _propose(japan, OTHER_THEME, submit=False, words="[Japan's secret] ")
    proposal_discard(user=japan, proposal=other)
    for client, url in zip(readers, urls, strict=True):
        assert client.get(url).status_code == 204
    proposal_submit(user=mexico, proposal=draft)
    for client, url in zip(readers, urls, strict=True):
        assert client.get(url).status_code == 200
