"""A landing page for each role (issue #18, point 2): sign-in leads a delegate to the
delegation's desk and the chair's office to what waits for it; the secretariat keeps its
list of meetings. Each desk reads a bounded number of queries however much there is."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting.models import Delegation, Element, MeetingVisit
from drafting.selectors.desk import delegation_desk
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from drafting.services.visits import VISIT_STEP, desk_visit
from tests.factories import (
    DocumentFactory,
    add_elements,
    amendment,
    chairs_office,
    delegate_of,
    secretariat,
)

pytestmark = pytest.mark.django_db

PASSWORD = "a long demo passphrase"
THEME = "Effective control over SALW"
OTHER_THEME = "Cooperation between exporting and importing states"
HOUR = timedelta(hours=1)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _propose(user, text: str = THEME, *, submit: bool = True, words: str = "[all] "):
    element = Element.objects.get(text=text)
    return amendment(user, element, f"{words}{element.text}", submit=submit)


def _desk(client, slug: str = "bms7") -> str:
    response = client.get(reverse("desk", args=[slug]))
    assert response.status_code == 200
    return response.text


def test_sign_in_leads_a_delegate_with_one_meeting_to_its_desk(bms7, open_round):
    delegate_of("ken", username="wanjiru", password=PASSWORD)
    client = Client()
    response = client.post(
        reverse("login"), {"username": "wanjiru", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("desk", args=["bms7"])
    assert "Desk of Kenya" in response.text


def test_with_several_meetings_sign_in_lists_them_each_with_its_desk(bms7):
    other = DocumentFactory(meeting__slug="bms8", meeting__short_title="BMS8").meeting
    add_elements(other.document, agenda_items=1, themes_per_item=1)
    kenya = _client(delegate_of("ken"))
    response = kenya.get(reverse("landing"))
    assert response["Location"] == reverse("home")
    home = kenya.get(reverse("home")).text
    for slug in ("bms7", "bms8"):
        assert f'href="{reverse("desk", args=[slug])}"' in home
    assert "Your delegation's desk" in home


def test_the_secretariat_keeps_its_meetings_list(bms7):
    clerk = _client(secretariat())
    assert clerk.get(reverse("landing"))["Location"] == reverse("home")
    assert clerk.get(reverse("desk", args=["bms7"]))["Location"] == reverse("home")
    assert reverse("desk", args=["bms7"]) not in clerk.get(reverse("home")).text


def test_a_delegation_that_does_not_take_part_has_no_desk(bms7):
    other = DocumentFactory(meeting__slug="bms8", meeting__delegations=[]).meeting
    add_elements(other.document, agenda_items=1, themes_per_item=1)
    kenya = _client(delegate_of("ken"))
    assert kenya.get(reverse("desk", args=["bms8"])).status_code == 403
    assert kenya.get(reverse("landing"))["Location"] == reverse("desk", args=["bms7"])


def test_the_delegates_desk_shows_round_drafts_waiting_invitations_and_positions(open_round):
    kenya, japan, india = delegate_of("ken"), delegate_of("jpn"), delegate_of("ind")
    _propose(kenya, submit=False, words="[Kenya's draft] ")
    waiting = _propose(japan, words="[Japan's] ")
    marked = _propose(india, OTHER_THEME, words="[India's] ")
    mark_set(user=kenya, proposal=marked, stance="reservation", note="<b>order</b> of words")
    page = _desk(_client(kenya))
    assert "“Round 1” is open until" in page and "data-local-time" in page
    assert "Kenya&#x27;s draft" in page or "Kenya's draft" in page
    waiting_part = page.split('id="waiting-title"')[1].split("</section>")[0]
    assert f"{waiting.public_id}" in waiting_part and f"{marked.public_id}" not in waiting_part
    positions = page.split('id="positions-title"')[1].split("</section>")[0]
    assert "India · amend the text" in positions and "Has a reservation on" in positions
    assert "&lt;b&gt;order&lt;/b&gt; of words" in positions
    assert 'id="invitations-title"' in page


def test_what_is_new_is_counted_from_the_visit_before(open_round):
    kenya = delegate_of("ken")
    client = _client(kenya)
    proposal = _propose(kenya)
    first = _desk(client)
    assert "Latest news (your first visit)" in first
    # A visit an hour ago; then the chair decides and issues Rev.1.
    MeetingVisit.objects.update(last_visit_at=timezone.now() - HOUR)
    chair = chairs_office()
    proposal_reject(user=chair, proposal=proposal, note="Too broad.")
    revision_issue(
        issued_by=chair, document=open_round.document, cover_letter="Excellency,", export_pdf=False
    )
    second = _desk(client)
    news = second.split('id="since-title"')[1].split("</section>")[0]
    assert "Since your last visit" in news
    assert "rejected" in news and "Too broad." in news and "Rev.1" in news
    # Reloading within the same visit keeps the same "since".
    assert "Too broad." in _desk(client).split('id="since-title"')[1].split("</section>")[0]
    # The next visit, an hour on, finds nothing new.
    since = desk_visit(user=kenya, meeting=open_round.document.meeting, at=timezone.now() + HOUR)
    desk = delegation_desk(open_round.document, kenya.delegate_profile.delegation, since)
    assert desk.decisions.rows == [] and desk.revisions == [] and desk.draft_changes == 0


def test_a_reload_records_no_visit_and_a_later_opening_does(open_round):
    """The visit is moved at most once every `VISIT_STEP` (`services.visits`): a reload
    writes nothing and keeps the same "since"; an opening later on is recorded."""
    kenya = delegate_of("ken")
    client = _client(kenya)
    _desk(client)
    visit = MeetingVisit.objects.get(user=kenya)
    _desk(client)
    assert MeetingVisit.objects.get(user=kenya).last_visit_at == visit.last_visit_at
    hour_ago = timezone.now() - HOUR
    MeetingVisit.objects.update(last_visit_at=hour_ago, previous_visit_at=None)
    _desk(client)
    moved = MeetingVisit.objects.get(user=kenya)
    assert moved.previous_visit_at == hour_ago and moved.last_visit_at > visit.last_visit_at
    assert "Since your last visit" in _desk(client)
    # Within `SAME_VISIT` of the last one recorded, it only moves on (same "since").
    MeetingVisit.objects.update(last_visit_at=timezone.now() - VISIT_STEP)
    _desk(client)
    assert MeetingVisit.objects.get(user=kenya).previous_visit_at == hour_ago


def test_a_desk_kept_for_one_delegation_is_not_shown_to_another(open_round):
    """The live part is kept under the delegation too: another delegation's desk, even with
    the same versions, never shows its drafts."""
    kenya, japan = delegate_of("ken"), delegate_of("jpn")
    _propose(kenya, submit=False, words="[kenya's secret] ")
    assert "kenya&#x27;s secret" in _desk(_client(kenya))
    japans = _desk(_client(japan))
    assert "kenya" not in japans.split('id="desk-drafts-title"')[1].lower()
    assert "secret" not in japans


def test_the_chairs_desk_shows_open_proposals_per_agenda_item_and_conflicts(open_round):
    _propose(delegate_of("jpn"), words="[Japan's] ")
    _propose(delegate_of("ind"), words="[India's] ")
    _propose(delegate_of("mex"), OTHER_THEME)
    page = _desk(_client(chairs_office()))
    assert "“Round 1” is open until" in page
    assert "3 open proposals" in page
    conflicts = page.split('id="conflicts-title"')[1].split("</section>")[0]
    theme = Element.objects.get(text=THEME)
    other = Element.objects.get(text=OTHER_THEME)
    assert reverse("element_review", args=["bms7", theme.pk]) in conflicts
    assert reverse("element_review", args=["bms7", other.pk]) not in conflicts
    assert "2 open proposals" in conflicts


def _many(count: int) -> None:
    """``count`` proposals by each of several delegations, Kenya's marks on some."""
    kenya = delegate_of("ken")
    for code in ("jpn", "ind", "mex"):
        user = delegate_of(code)
        for n in range(count):
            proposal = _propose(user, words=f"[{code} {n}] ")
            if n % 2:
                mark_set(user=kenya, proposal=proposal, stance="can_accept", note="fine")
    for n in range(count):
        _propose(kenya, submit=n % 2 == 0, words=f"[ken {n}] ")


@pytest.mark.parametrize("count", [2, 12])
def test_the_delegates_desk_reads_a_bounded_number_of_queries(
    open_round, count, django_assert_max_num_queries
):
    _many(count)
    client = _client(delegate_of("ken"))
    _desk(client)  # the visit is recorded, the live part kept under its key
    # Session, user, and the meeting with everything the page depends on (its taking part,
    # the key, the navigation's unread count: `desk_state`, one statement): whatever the
    # number of proposals, and no write.
    with django_assert_max_num_queries(3) as captured:
        _desk(client)
    # (A prepared statement is logged as "QUERY = '...' PARAMS = ...".)
    sqls = [q["sql"].removeprefix("QUERY = '").lstrip() for q in captured.captured_queries]
    assert not [sql for sql in sqls if not sql.startswith("SELECT")]


@pytest.mark.parametrize("count", [2, 12])
def test_the_chairs_desk_reads_a_bounded_number_of_queries(
    open_round, count, django_assert_max_num_queries
):
    _many(count)
    client = _client(chairs_office())
    _desk(client)
    # Session, user, the meeting with the key (one statement): the page is kept under it.
    with django_assert_max_num_queries(3):
        _desk(client)


def _japan_invites(delegation: Delegation):
    """Japan's proposal on the theme, submitted with ``delegation`` invited to co-sponsor."""
    return proposal_create(
        user=delegate_of("jpn"),
        element=Element.objects.get(text=THEME),
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective control over [all] SALW",
            co_sponsors=[delegation],
        ),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


def test_an_invitation_answered_on_the_desk_comes_back_to_the_desk(open_round):
    mexico = Delegation.objects.get(code="mex")
    proposal = _japan_invites(mexico)
    client = _client(delegate_of("mex"))
    page = _desk(client)
    invitations = page.split('id="invitations-title"')[1].split("</section>")[0]
    assert 'name="next" value="desk"' in invitations
    response = client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "accept", "next": "desk", "version": proposal.version},
    )
    assert response["Location"] == reverse("desk", args=["bms7"])
    assert proposal.co_sponsors.filter(pk=mexico.pk).exists()


def test_an_invitation_says_where_its_proposal_sits_and_a_co_sponsored_one_waits_no_more(
    open_round,
):
    """An invitation to co-sponsor names its proposal's place (agenda item, section, the
    element's opening words) on the desk and on My delegation; once the delegation accepts,
    the proposal is its own and no longer waits for its position."""
    mexico = Delegation.objects.get(code="mex")
    proposal = _japan_invites(mexico)
    client = _client(delegate_of("mex"))
    page = _desk(client)
    where = f"Agenda item 1, section b), theme: {THEME}"
    assert where in page.split('id="invitations-title"')[1].split("</section>")[0]
    assert str(proposal.public_id) in page.split('id="waiting-title"')[1].split("</section>")[0]
    delegation_page = client.get(reverse("delegation_page", args=["bms7"])).text
    assert where in delegation_page.split('id="invitations-title"')[1].split("</section>")[0]

    client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "accept", "next": "desk", "version": proposal.version},
    )
    waiting = _desk(client).split('id="waiting-title"')[1].split("</section>")[0]
    assert str(proposal.public_id) not in waiting
    assert "Nothing waits for your position." in waiting
