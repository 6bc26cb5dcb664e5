"""An issued revision's page and the compilation are kept whole (`page_cache.page_parts`):
a repeat view reads the versions of what the page shows in one query and renders no
template. Each test reads a page first (the caches are then warm), writes, and reads it
again: every write shows on the very next view, and no reader is ever served another's
page (the chair's office's decision forms, another user's name, another's notices)."""

import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from drafting.models import Delegation, Element, FileKind, Revision
from drafting.render import page_cache
from drafting.services.cosponsorship import cosponsorship_accept
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.proposals import proposal_withdraw
from drafting.services.revisions import revision_issue
from tests.factories import amendment, chairs_office, delegate_of, secretariat, viewer

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"
COMPILATION = reverse("compilation", args=["bms7"])
REVISION = reverse("revision_detail", args=["bms7", 0])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _page(client: Client, url: str = COMPILATION) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.text


def _without_tokens(html: str) -> str:
    return TOKEN.sub("", html)


@pytest.mark.parametrize("role", ["chair", "delegate", "secretariat"])
def test_a_repeat_view_of_the_compilation_makes_three_queries(
    role, theme, round_1, django_assert_num_queries
):
    """Session, user, and the meeting with the versions of what the page shows: the page
    itself comes from the cache, the same but for the CSRF token."""
    amendment(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    user = {"chair": chairs_office, "secretariat": secretariat}.get(
        role, lambda: delegate_of("jpn")
    )()
    client = viewer(user)
    first = _page(client)
    with django_assert_num_queries(3):
        second = _page(client)
    assert _without_tokens(first) == _without_tokens(second)
    assert "Enhanced" in second


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_repeat_view_of_a_revision_makes_the_fewest_queries(
    signed_in, bms7, django_assert_num_queries
):
    """Signed in: session, user, and the revision with its meeting and what the page shows
    of them; signed out, the revision alone."""
    client = viewer(delegate_of("jpn") if signed_in else None)
    first = _page(client, REVISION)
    with django_assert_num_queries(3 if signed_in else 1):
        second = _page(client, REVISION)
    assert _without_tokens(first) == _without_tokens(second)


def test_a_page_from_the_cache_carries_the_requests_own_csrf_token(theme, round_1):
    """The page's forms hold the viewer's token, not the one the page was rendered with
    (another client's): signing out from it passes the CSRF check."""
    amendment(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    chair = chairs_office()
    _page(viewer(chair))  # the caches are warm
    client = Client(enforce_csrf_checks=True)
    client.force_login(chair)
    page = _page(client)
    tokens = set(TOKEN.findall(page))
    assert len(tokens) == 1
    response = client.post(reverse("logout"), {"csrfmiddlewaretoken": tokens.pop()})
    assert response.status_code == 302


def test_every_write_the_compilation_shows_changes_the_page_served(theme, round_1, bms7):
    """Submit, withdraw, mark, co-sponsor, decide, rename a delegation, issue a revision:
    each shows on the next view of a page served from the cache."""
    mexico, canada = delegate_of("mex"), delegate_of("can")
    reader = viewer(delegate_of("jpn"))
    served = _page(reader)
    assert "Enhanced" not in served

    proposal = amendment(
        mexico, theme, f"Enhanced {THEME.lower()}", co_sponsors=[Delegation.objects.get(code="can")]
    )
    assert "Enhanced" in _page(reader)

    mark_set(user=delegate_of("jpn"), proposal=proposal, stance="support")
    assert "Supported by: Japan" in _page(reader)

    assert "co-sponsored by Canada" not in _page(reader)
    proposal.refresh_from_db()
    cosponsorship_accept(user=canada, proposal=proposal)
    assert "co-sponsored by Canada" in _page(reader)

    other = amendment(mexico, theme, f"Closer {THEME.lower()}")
    assert "Closer" in _page(reader) and "status-withdrawn" not in _page(reader)
    proposal_withdraw(user=mexico, proposal=other)
    assert "status-withdrawn" in _page(reader)  # shown folded, as withdrawn

    mex = Delegation.objects.get(code="mex")
    mex.name = "United Mexican States"
    mex.save()
    assert "United Mexican States" in _page(reader)

    proposal.refresh_from_db()
    proposal_reject(user=chairs_office(), proposal=proposal, note="Not now")
    assert "status-rejected" in _page(reader)

    before = _page(reader)
    revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="Sir,", export_pdf=False
    )
    after = _page(reader)
    assert before != after
    label = Revision.objects.get(document=bms7.document, number=1).label
    assert label in after and label not in before


def test_each_filter_has_its_page(theme, round_1):
    """A filter in the query string is never served the page of another."""
    amendment(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    client = viewer(delegate_of("jpn"))
    assert "Enhanced" in _page(client)
    assert "Enhanced" not in _page(client, f"{COMPILATION}?delegation=fra")
    assert "Enhanced" in _page(client, f"{COMPILATION}?delegation=mex")
    assert "Enhanced" in _page(client)


def test_two_roles_and_two_users_never_get_each_others_compilation(theme, round_1):
    """The chair's office's page has its decision forms; a delegate's and the secretariat's
    have none; each shows its own reader's name, never another's, read in turn."""
    amendment(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    chair = chairs_office(first_name="Chiara", last_name="Presidente")
    japan = delegate_of("jpn", first_name="Aiko", last_name="Tanaka")
    colleague = delegate_of("jpn", first_name="Kenji", last_name="Sato")
    clerk = secretariat(first_name="Sam", last_name="Clerk")
    users = [chair, japan, colleague, clerk]
    clients = {user: viewer(user) for user in users}
    decide = reverse("quick_decision", args=["bms7"])
    for _ in range(2):
        for user, client in clients.items():
            page = _page(client)
            assert user.get_full_name() in page
            assert all(other.get_full_name() not in page for other in users if other != user)
            assert (decide in page) == (user == chair)


def test_a_delegates_unread_notices_show_on_the_compilation_at_once(theme, round_1):
    """The navigation's count of the reader's unread notices is not kept from an earlier
    view: a notice sent to the delegation shows on the next."""
    client = viewer(delegate_of("jpn"))
    unread = re.compile(r'class="unread-count">(\d+)')
    before = unread.search(_page(client))  # the round's notice
    assert before and before.group(1) == "1"
    amendment(
        delegate_of("mex"),
        theme,
        f"Enhanced {THEME.lower()}",
        co_sponsors=[Delegation.objects.get(code="jpn")],
    )
    after = unread.search(_page(client))
    assert after and after.group(1) == "2"  # the invitation to co-sponsor


def test_the_revision_page_differs_by_reader_and_shows_new_compilation_pdfs(bms7):
    """Anyone reads an issued revision; a delegation taking part also sees its history links
    and the compilation PDFs made of it (one made since shows at once); the signed-out page
    has no one's name."""
    japan = delegate_of("jpn", first_name="Aiko", last_name="Tanaka")
    delegate, anonymous = viewer(japan), viewer()
    own = _page(delegate, REVISION)
    public = _page(anonymous, REVISION)
    assert "Aiko Tanaka" in own and "Aiko Tanaka" not in public
    assert 'value="compilation"' in own and 'value="compilation"' not in public
    assert "Sign in" in public
    revision = Revision.objects.get(document=bms7.document, number=0)
    made = revision.files.create(
        kind=FileKind.COMPILATION, content=b"%PDF", sha256="0" * 64, pages=3
    )
    shown = reverse("compilation_file", args=["bms7", 0, made.pk])
    assert shown in _page(delegate, REVISION)
    assert shown not in _page(anonymous, REVISION)


def test_parameters_that_are_not_filters_make_no_other_page(
    theme, round_1, django_assert_num_queries
):
    """The compilation is kept under its filters only: an address with other parameters is
    served the same page, whose chair's forms and poll go back to the filters alone."""
    amendment(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    client = viewer(chairs_office())
    first = _page(client, f"{COMPILATION}?show=all&utm=x{'y' * 300}")
    assert "utm" not in first
    with django_assert_num_queries(3):
        second = _page(client, f"{COMPILATION}?show=all&other=1")
    assert _without_tokens(first) == _without_tokens(second)
    assert f'data-hx-get="{COMPILATION}?show=all"' in second


COMPARE = reverse("compare", args=["bms7"])


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_repeat_view_of_a_comparison_makes_the_fewest_queries(
    signed_in, bms7, django_assert_num_queries
):
    """Two issued revisions never change: the meeting with its newest revision and the
    reader's part in one query (and the session and user when signed in)."""
    client = viewer(delegate_of("jpn") if signed_in else None)
    first = _page(client, f"{COMPARE}?from=0&to=0")
    with django_assert_num_queries(3 if signed_in else 1):
        second = _page(client, f"{COMPARE}?from=0&to=0")
    assert _without_tokens(first) == _without_tokens(second)


def test_a_comparison_shows_a_new_revision_and_differs_by_reader(theme, round_1, bms7):
    """A revision issued shows at once in the choices and the default pair; the chair's page
    offers the working draft, the public's names no one and offers no draft."""
    chair = viewer(chairs_office(first_name="Grace", last_name="Otieno"))
    public = viewer()
    before = _page(public, COMPARE)
    _page(chair, COMPARE)
    proposal = amendment(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    from drafting.services.decisions import proposal_accept

    proposal_accept(user=chairs_office(), proposals=[proposal])
    revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="Sir,", export_pdf=False
    )
    label = Revision.objects.get(document=bms7.document, number=1).label
    after = _page(public, COMPARE)
    assert label not in before and f"Changes from Zero draft to {label}" in after
    assert "<ins>Enhanced" in after
    chairs = _page(chair, COMPARE)
    assert 'value="draft"' in chairs and 'value="draft"' not in after
    assert "Otieno" in chairs and "Sign in" not in chairs
    assert "Otieno" not in after and "Sign in" in after


@pytest.mark.parametrize(
    ("url", "page"),
    [
        (REVISION, REVISION),
        (
            reverse("compare", args=["bms7"]) + "?from=0&to=0&changes=only",
            reverse("compare", args=["bms7"]) + "?from=0&to=0&changes=only",
        ),
        # Numbers that name no revision: the default pair, the page without them.
        (
            reverse("compare", args=["bms7"]) + "?from=99&to=123456789",
            reverse("compare", args=["bms7"]),
        ),
    ],
)
def test_parameters_a_public_page_does_not_read_make_no_other_shell(bms7, url, page):
    """Signed out, an issued revision and a comparison are kept whole with a shell whose
    sign-in link comes back to the page: to its own address, of the parameters it reads,
    whatever else was added; so junk parameters make no new page to keep."""
    signed_out = viewer()
    _page(signed_out, url)
    shells = len(page_cache._shells._data)
    for junk in ("utm_source=mail", "x=1", "x=2&y=3"):
        html = _page(signed_out, f"{url}{'&' if '?' in url else '?'}{junk}")
        assert f'href="/accounts/login/?next={quote(page, safe="/")}"' in html
    assert len(page_cache._shells._data) == shells


def test_the_compilations_own_poll_leaves_a_waiting_message_for_the_next_page(theme, round_1):
    """The page polls itself every 30 s and swaps in its rows alone: a message rendered
    around them would be thrown away unseen. The poll is served the page kept whole and the
    message waits for the next page."""
    proposal = amendment(
        delegate_of("jpn"),
        theme,
        f"Enhanced {THEME.lower()}",
        co_sponsors=[Delegation.objects.get(code="arg")],
    )
    client = viewer(delegate_of("arg"))
    _page(client)
    client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "decline", "next": "delegation"},
    )
    polled = client.get(COMPILATION, headers={"HX-Request": "true"}).text
    assert "declined to co-sponsor" not in polled and "Enhanced" in polled
    assert "declined to co-sponsor" in _page(client)
    assert "declined to co-sponsor" not in _page(client)
