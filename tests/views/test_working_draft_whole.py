"""The working draft is kept whole (`page_cache.page_parts`) once its reader's visit is
recorded and nothing changed since: a repeat view reads the versions of what the page shows
in one query (`selectors.pages.working_draft_state`) and renders no template. Each test reads
the page first (the caches are then warm), writes, and reads it again: every write shows on
the very next view, a delegation's unsubmitted words never change the page, the changes since
a visit are still listed once, and no reader is ever served another's page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from drafting import selectors
from drafting.models import Delegation, DraftVisit, Element, Revision
from drafting.services.decisions import proposal_accept, proposal_reject
from drafting.services.elements import element_compose
from drafting.services.meetings import MeetingSetup, meeting_update
from drafting.services.proposals import (
    ProposalContent,
    proposal_discard,
    proposal_revise,
    proposal_withdraw,
)
from drafting.services.revisions import revision_issue
from tests.factories import amendment, chairs_office, delegate_of, secretariat, viewer

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
DRAFT = reverse("working_draft", args=["bms7"])
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CHANGES = 'class="panel changes-since"'


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _page(client: Client) -> str:
    response = client.get(DRAFT)
    assert response.status_code == 200
    return response.text


def _without_tokens(html: str) -> str:
    return TOKEN.sub("", html)


def _count(html: str, element: Element) -> str:
    """The open proposal count shown on ``element`` ("" for none)."""
    found = re.search(
        rf'id="e-{element.pk}"(?:(?!id="e-).)*?class="proposals-link"[^>]*>([^<]+)</a>', html, re.S
    )
    return found.group(1) if found else ""


@pytest.mark.parametrize("role", ["chair", "delegate", "secretariat"])
def test_a_repeat_view_makes_three_queries_and_renders_the_same_page(
    role, theme, round_1, django_assert_num_queries
):
    """The first visit is recorded and rendered afresh; the next ones are the same page, but
    for the CSRF token, in three queries (session, user, the page's state)."""
    amendment(delegate_of("mex"), theme, "Effective control over all SALW")
    user = {"chair": chairs_office, "secretariat": secretariat}.get(
        role, lambda: delegate_of("jpn")
    )()
    client = viewer(user)
    first = _page(client)
    assert DraftVisit.objects.filter(user=user).count() == 1
    second = _page(client)  # kept now
    with django_assert_num_queries(3):
        third = _page(client)
    assert _without_tokens(first) == _without_tokens(second) == _without_tokens(third)
    assert _count(third, theme) == "1 proposal"


def test_every_write_the_page_shows_changes_the_page_served(theme, round_1, bms7):
    """Submit, withdraw, reject, accept (the text changed: listed once), issue a revision,
    rename the meeting: each shows on the next view of a page served whole."""
    mexico = delegate_of("mex")
    chair = chairs_office()
    reader = viewer(delegate_of("jpn"))
    _page(reader)
    assert _count(_page(reader), theme) == ""

    first = amendment(mexico, theme, "Effective control over all SALW")
    assert _count(_page(reader), theme) == "1 proposal"
    second = amendment(mexico, theme, "Effective [national] control over SALW")
    assert _count(_page(reader), theme) == "2 proposals"
    proposal_withdraw(user=mexico, proposal=second)
    assert _count(_page(reader), theme) == "1 proposal"
    first.refresh_from_db()
    proposal_reject(user=chair, proposal=first, note="Not now")
    assert _count(_page(reader), theme) == ""

    third = amendment(mexico, theme, "Effective control over SALW and ammunition")
    assert _count(_page(reader), theme) == "1 proposal"
    proposal_accept(user=chair, proposals=[third])
    changed = _page(reader)
    assert CHANGES in changed and "SALW and ammunition" in changed
    assert _count(changed, theme) == ""
    again = _page(reader)  # the change was listed once: kept again, with the new text
    assert CHANGES not in again and "SALW and ammunition" in again

    assert "Changes since Zero draft are not yet issued." in again
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="Sir,", export_pdf=False)
    label = Revision.objects.get(document=bms7.document, number=1).label
    assert f"Changes since {label} are not yet issued." in _page(reader)

    setup = MeetingSetup(
        **{name: getattr(bms7, name) for name in MeetingSetup.__dataclass_fields__}
        | {"short_title": "BMS7 Renamed"}
    )
    meeting_update(user=secretariat(), meeting=bms7, setup=setup, today=bms7.start_date)
    assert "BMS7 Renamed" in _page(reader)


def test_a_delegations_unsubmitted_words_never_change_the_page(theme, round_1):
    """A draft written, revised into another draft and discarded: another delegation's page,
    served whole, stays the same page byte for byte (but the token), its count too."""
    reader = viewer(delegate_of("jpn"))
    _page(reader)
    before = _without_tokens(_page(reader))
    mexico = delegate_of("mex")
    draft = amendment(mexico, theme, "Effective control over SALW, secretly", submit=False)
    assert _without_tokens(_page(reader)) == before
    draft = proposal_revise(
        user=mexico,
        proposal=draft,
        content=ProposalContent(kind="amend", proposed_text="Effective control, more secretly"),
        expected_version=draft.version,
    )
    assert _without_tokens(_page(reader)) == before
    proposal_discard(user=mexico, proposal=draft)
    assert _without_tokens(_page(reader)) == before
    assert "secretly" not in before


def test_the_chairs_edit_is_listed_once_to_each_reader(theme, round_1):
    """A reader who saw the draft before an edit is shown what changed on the next view (the
    visit moves then); one who had not visited yet is shown nothing to list."""
    japan, mexico = delegate_of("jpn"), delegate_of("mex")
    seen = viewer(japan)
    _page(seen)
    _page(seen)
    element_compose(
        user=chairs_office(),
        element=theme,
        text="Effective [and transparent] control over SALW",
        expected_text=THEME,
    )
    listed = _page(seen)
    assert CHANGES in listed and "and transparent" in listed
    assert CHANGES not in _page(seen)
    newcomer = viewer(mexico)
    first = _page(newcomer)
    assert CHANGES not in first and "and transparent" in first


def test_roles_and_users_never_get_each_others_page(theme, round_1):
    """The chair's office has its tools, delegates of delegations taking part their propose
    links, the secretariat neither; each page names its own reader only, read in turn with
    every cache warm; a delegation not taking part is refused."""
    chair = chairs_office(first_name="Chiara", last_name="Presidente")
    japan = delegate_of("jpn", first_name="Aiko", last_name="Tanaka")
    colleague = delegate_of("jpn", first_name="Kenji", last_name="Sato")
    clerk = secretariat(first_name="Sam", last_name="Clerk")
    users = [chair, japan, colleague, clerk]
    clients = {user: viewer(user) for user in users}
    for _ in range(3):
        for user, client in clients.items():
            page = _page(client)
            assert user.get_full_name() in page
            assert all(other.get_full_name() not in page for other in users if other != user)
            assert ('class="chair-tools"' in page) == (user == chair)
            assert ('class="propose-link"' in page) == (user in (japan, colleague))
    outsider = delegate_of("fra")
    Delegation.objects.get(code="fra").participations.all().delete()
    assert viewer(outsider).get(DRAFT).status_code == 403


def _invited(theme):
    """Japan's proposal, which invites Argentina to co-sponsor it."""
    return amendment(
        delegate_of("jpn"),
        theme,
        "Effective [and transparent] control over SALW",
        co_sponsors=[Delegation.objects.get(code="arg")],
    )


def _decline(client, proposal) -> None:
    """Argentina declines: a message waits for its next page."""
    response = client.post(
        reverse("proposal_cosponsorship", args=["bms7", proposal.public_id]),
        {"action": "decline", "next": "delegation"},
    )
    assert response.status_code == 302


def test_a_message_is_shown_once_on_a_page_otherwise_kept(theme, round_1):
    """A message waiting from an earlier action is shown on the draft kept whole, once."""
    argentina = delegate_of("arg")
    proposal = _invited(theme)
    client = viewer(argentina)
    _page(client)
    _page(client)
    _decline(client, proposal)
    assert "declined to co-sponsor" in _page(client)
    assert "declined to co-sponsor" not in _page(client)


def test_a_delegates_unread_notices_show_at_once(theme, round_1):
    """The navigation's count of unread notices is not kept from an earlier view."""
    client = viewer(delegate_of("jpn"))
    unread = re.compile(r'class="unread-count">(\d+)')
    _page(client)
    before = unread.search(_page(client))
    assert before and before.group(1) == "1"
    amendment(
        delegate_of("mex"),
        theme,
        "Effective control over all SALW",
        co_sponsors=[Delegation.objects.get(code="jpn")],
    )
    after = unread.search(_page(client))
    assert after and after.group(1) == "2"


def test_the_pages_own_poll_lists_nothing_and_uses_up_nothing(theme, round_1):
    """The page polls itself every 30 s and swaps in the draft's body alone: a list of
    changes (or a message) rendered above it would be thrown away unseen. The poll is served
    the page kept whole, with the new text; it records no visit and leaves a waiting message,
    and the next page lists the change and shows the message."""
    argentina = delegate_of("arg")
    proposal = _invited(theme)
    client = viewer(argentina)
    _page(client)
    seen_at = DraftVisit.objects.get(user=argentina).seen_at
    element_compose(
        user=chairs_office(),
        element=theme,
        text="Effective [and accountable] control over SALW",
        expected_text=THEME,
    )
    _decline(client, proposal)
    polled = client.get(DRAFT, headers={"HX-Request": "true"}).text
    assert "and accountable" in polled
    assert CHANGES not in polled and "declined to co-sponsor" not in polled
    assert DraftVisit.objects.get(user=argentina).seen_at == seen_at
    page = _page(client)
    assert CHANGES in page and "declined to co-sponsor" in page
    assert CHANGES not in _page(client)


def test_a_change_committed_while_the_page_is_made_is_listed_on_the_next(theme, monkeypatch):
    """The page's first query reads the draft's version; a change committed after it, while
    the list of changes is read, is left to the next visit, whose list holds it (the visit
    is recorded at the version read: listed now, it would be listed twice)."""
    japan = delegate_of("jpn")
    client = viewer(japan)
    _page(client)  # the first visit
    other = Element.objects.filter(kind=theme.kind).exclude(pk=theme.pk).order_by("pk").first()
    element_compose(
        user=chairs_office(), element=other, text=f"{other.text} [seen]", expected_text=other.text
    )
    listing = selectors.elements_changed_since_last_visit

    def committed_meanwhile(document, user_id, *args, **kwargs):
        monkeypatch.setattr(selectors, "elements_changed_since_last_visit", listing)
        element_compose(
            user=chairs_office(),
            element=theme,
            text="Effective [and accountable] control over SALW",
            expected_text=THEME,
        )
        return listing(document, user_id, *args, **kwargs)

    monkeypatch.setattr(selectors, "elements_changed_since_last_visit", committed_meanwhile)
    page = _page(client)
    listed = re.search(r'class="panel changes-since".*?</section>', page, re.S)
    assert listed and f"#e-{other.pk}" in listed.group(0)
    assert f"#e-{theme.pk}" not in listed.group(0)
    page = _page(client)
    listed = re.search(r'class="panel changes-since".*?</section>', page, re.S)
    assert listed and f"#e-{theme.pk}" in listed.group(0)
    assert f"#e-{other.pk}" not in listed.group(0)
    assert CHANGES not in _page(client)
