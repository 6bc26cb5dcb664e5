"""The delegation page is kept whole (`page_cache.delegation_page`, per user) and its body per
delegation (`page_cache.delegation_page_body`), under what `selectors.delegation_page` reads
in one query. Each test reads the page first (the caches are then warm), writes, and reads
the page again: every write shows on the very next view, and nothing of another delegation
or another user is ever shown."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from drafting.models import ConsultationRound, Delegation, Element, Notification
from drafting.render import page_cache
from drafting.services.cosponsorship import cosponsorship_decline
from drafting.services.decisions import proposal_reject
from drafting.services.meetings import MeetingSetup, meeting_update
from drafting.services.proposals import ProposalContent, proposal_revise
from drafting.services.rounds import round_open
from tests.factories import amendment, chairs_office, delegate_of, secretariat, viewer

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
URL = reverse("delegation_page", args=["bms7"])


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn", first_name="Aiko", last_name="Tanaka")


@pytest.fixture
def argentina(bms7):
    return delegate_of("arg", first_name="Lucía", last_name="Pérez")


def _page(client: Client) -> str:
    response = client.get(URL)
    assert response.status_code == 200
    return response.text


def _section(html: str, name: str) -> str:
    found = re.search(rf'<section aria-labelledby="{name}-title"[^>]*>(.*?)</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))) if found else ""


def test_a_repeat_view_makes_three_queries_and_renders_the_same_page(
    japan, theme, round_1, django_assert_num_queries
):
    """Session, user, and the page's state (meeting, permission and versions in one): the
    page itself comes from the cache; only the CSRF token differs from one view to the next."""
    amendment(japan, theme, "Effective [and transparent] control over SALW")
    client = viewer(japan)
    _page(client)  # the round's notice is new, and now read
    first = _page(client)
    with django_assert_num_queries(3):
        second = _page(client)
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", first) == token.sub("", second)
    assert "transparent" in second


def test_the_forms_carry_the_requests_own_csrf_token(japan, argentina, theme, round_1):
    """A page served from the cache holds the viewer's token, not the one it was rendered
    with: its forms post (here, declining an invitation with CSRF checks on)."""
    proposal = amendment(
        japan,
        theme,
        "Effective [and transparent] control over SALW",
        co_sponsors=[Delegation.objects.get(code="arg")],
    )
    _page(viewer(argentina))  # the caches are warm
    client = Client(enforce_csrf_checks=True)
    client.force_login(argentina)
    page = _page(client)
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(tokens) == 1
    response = client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "decline", "next": "delegation", "csrfmiddlewaretoken": tokens.pop()},
    )
    assert response.status_code == 302


def test_another_delegation_and_another_user_are_never_shown(japan, argentina, theme, round_1):
    """Two delegations, and two delegates of one, read their pages in turn: each sees its
    delegation's proposals and its own name, never the other's."""
    amendment(japan, theme, "Effective [and transparent] control over SALW")
    amendment(argentina, theme, "Effective [and verifiable] control over SALW")
    colleague = delegate_of("jpn", first_name="Kenji", last_name="Sato")
    clients = {user: viewer(user) for user in (japan, argentina, colleague)}
    for _ in range(2):
        for user, client in clients.items():
            page = _page(client)
            own = user.delegate_profile.delegation
            assert f"Proposals of {own.name}" in page
            assert user.get_full_name() in page
            others = {japan, argentina, colleague} - {user}
            assert all(other.get_full_name() not in page for other in others)
            submitted = _section(page, "submitted")
            if own.code == "jpn":
                assert "transparent" in submitted and "verifiable" not in submitted
            else:
                assert "verifiable" in submitted and "transparent" not in submitted


def test_invitations_to_co_sponsor_show_at_once(japan, argentina, theme, round_1, bms7):
    """The invited delegation's page shows an invitation when it is sent, the proposal's new
    text when the proposer revises it, the chair's decision, and its own answer."""
    client = viewer(argentina)
    assert "No invitation." in _section(_page(client), "invitations")
    proposal = amendment(
        japan,
        theme,
        "Effective [and transparent] control over SALW",
        co_sponsors=[Delegation.objects.get(code="arg")],
    )
    invitations = _section(_page(client), "invitations")
    assert "transparent" in invitations and "Accept" in invitations
    proposal_revise(
        user=japan,
        proposal=proposal,
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective [and verifiable] control over SALW",
            co_sponsors=[Delegation.objects.get(code="arg")],
        ),
        expected_version=proposal.version,
    )
    invitations = _section(_page(client), "invitations")
    assert "verifiable" in invitations and "transparent" not in invitations
    cosponsorship_decline(user=argentina, proposal=proposal)
    invitations = _section(_page(client), "invitations")
    assert "submitted declined" in invitations and "Accept" not in invitations
    proposal.refresh_from_db()
    proposal_reject(user=chairs_office(), proposal=proposal, note="Not agreed")
    assert "rejected declined" in _section(_page(client), "invitations")


def test_a_new_notice_shows_at_once_as_new_then_as_read(japan, bms7, round_1):
    client = viewer(japan)
    _page(client)  # the round's notice is new, and now read
    page = _page(client)
    assert "The round closes tomorrow" not in page and 'class="new"' not in page
    Notification.objects.create(
        delegation=japan.delegate_profile.delegation,
        document=bms7.document,
        kind="round",
        message="The round closes tomorrow",
    )
    page = _page(client)
    assert "The round closes tomorrow" in page and page.count('class="new"') == 1
    # Seen: not new on the next view, and not counted in the navigation on other pages.
    assert 'class="new"' not in _page(client)
    draft = client.get(reverse("working_draft", args=["bms7"])).text
    assert "unread-count" not in draft
    Notification.objects.create(
        delegation=japan.delegate_profile.delegation,
        document=bms7.document,
        kind="round",
        message="A second notice",
    )
    draft = client.get(reverse("working_draft", args=["bms7"])).text
    assert '<span class="unread-count">1<' in draft
    page = _page(client)
    assert page.count('class="new"') == 1 and "A second notice" in page


def test_the_open_round_shown_follows_the_rounds(japan, bms7):
    client = viewer(japan)
    assert "No consultation round is open" in _page(client)
    now = timezone.now()
    round_open(
        user=secretariat(),
        document=bms7.document,
        name="Round of amendments",
        opens_at=now - timedelta(minutes=5),
        deadline=now + timedelta(days=1),
    )
    page = _page(client)
    assert "Round of amendments" in page and "No consultation round is open" not in page
    assert "Round of amendments" in _page(client)  # its notice read: the page kept as it is
    # Its deadline passes (no write: as if a day went by): the page says so at once.
    ConsultationRound.objects.filter(name="Round of amendments").update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    assert "No consultation round is open" in _page(client)


def test_the_meetings_short_title_changed_shows_at_once(japan, bms7):
    """The page's title and navigation name the meeting by its short title, which the
    secretariat changes without a write to the document."""
    client = viewer(japan)
    assert "BMS7 Renamed" not in _page(client)
    setup = MeetingSetup(
        **{name: getattr(bms7, name) for name in MeetingSetup.__dataclass_fields__}
        | {"short_title": "BMS7 Renamed"}
    )
    meeting_update(user=secretariat(), meeting=bms7, setup=setup, today=bms7.start_date)
    assert "BMS7 Renamed" in _page(client)


def test_a_message_is_shown_once_on_a_page_otherwise_kept(japan, argentina, theme, round_1):
    """After answering an invitation the page shows the answer's message (rendered around
    the cached body), then, on the next view, the page without it."""
    proposal = amendment(
        japan,
        theme,
        "Effective [and transparent] control over SALW",
        co_sponsors=[Delegation.objects.get(code="arg")],
    )
    client = viewer(argentina)
    _page(client)
    response = client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "decline", "next": "delegation"},
        follow=True,
    )
    assert "declined to co-sponsor" in response.text
    assert "declined to co-sponsor" not in _page(client)


def test_a_cold_process_reads_the_page_from_the_shared_cache(
    japan, theme, round_1, django_assert_num_queries
):
    """Another worker (this process's copies dropped) reads the same page from the shared
    cache, with no query beyond the three."""
    amendment(japan, theme, "Effective [and transparent] control over SALW")
    client = viewer(japan)
    _page(client)  # the round's notice is new, and now read
    first = _page(client)
    page_cache._pages._data.clear()
    with django_assert_num_queries(3):
        again = _page(client)
    assert len(again) == len(first) and "transparent" in again
