"""Each role lands on its desk, in the browser (issue #18, points 2 and 3).

A delegate of Kenya signs in and lands on Kenya's desk: the round's deadline in Geneva time
and the reader's own, Japan's proposal waiting for Kenya's position. Kenya records a
reservation with a note; the desk then lists it among Kenya's positions. The chair's office
rejects Japan's proposal with a note; Japan's delegate lands on Japan's desk, finds the
decision among what is new, and replies once, under the decision. The chair's office lands
on what waits for it. axe finds nothing serious on any page.
"""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drafting.models import Element, MeetingVisit, Proposal
from drafting.services.decisions import proposal_reject
from drafting.services.proposals import ProposalContent, proposal_create
from tests.e2e.conftest import axe_violations, open_round_for_a_day, sign_in
from tests.factories import chairs_office, delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
THEME = "Effective control over SALW"


def test_delegates_and_the_chair_land_on_their_desks(page, live_server, bms7):
    accessibility = {}
    open_round_for_a_day(bms7.document)
    japan = delegate_of("jpn", username="aiko", password=PASSWORD)
    delegate_of("ken", username="wanjiru", password=PASSWORD)
    chairs_office(username="chair", password=PASSWORD)
    proposal = proposal_create(
        user=japan,
        element=Element.objects.get(text=THEME),
        content=ProposalContent(kind="amend", proposed_text="Effective control over [all] SALW"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )

    sign_in(page, live_server, "wanjiru", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk of Kenya")
    expect(page.locator(".round-state")).to_contain_text("“Round 1” is open until")
    expect(page.locator(".round-state .local-time")).to_contain_text("your time")
    waiting = page.locator("table.waiting")
    expect(waiting).to_contain_text("Japan · amend the text")
    accessibility["Kenya's desk"] = axe_violations(page)

    waiting.get_by_role("link", name="Japan · amend the text").click()
    page.get_by_label("Your delegation's position").select_option("reservation")
    page.get_by_label("Note (optional)").fill("The word “all” goes too far.")
    page.get_by_role("button", name="Record our position").click()
    marks = page.locator("#marks")
    expect(marks).to_contain_text("Reservation: Kenya (“The word “all” goes too far.”)")
    expect(marks.locator(".reservation-count")).to_have_text("1 has a reservation")
    accessibility["proposal page with a reservation"] = axe_violations(page)

    page.get_by_role("link", name="Desk", exact=True).click()
    expect(page.locator("table.waiting")).to_contain_text("Nothing waits for your position.")
    positions = page.locator("table.positions")
    expect(positions).to_contain_text("Has a reservation on")
    expect(positions).to_contain_text("The word “all” goes too far.")
    accessibility["Kenya's desk with its position"] = axe_violations(page)
    page.get_by_role("button", name="Sign out").click()

    # Japan last looked an hour ago; the chair's office has decided since.
    sign_in(page, live_server, "aiko", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    MeetingVisit.objects.update(last_visit_at=timezone.now() - timedelta(hours=1))
    proposal_reject(
        user=chairs_office(), proposal=Proposal.objects.get(pk=proposal.pk), note="Too broad."
    )
    page.reload()
    news = page.locator(".desk-since")
    expect(news).to_contain_text("Since your last visit")
    expect(news).to_contain_text("rejected")
    expect(news).to_contain_text("Too broad.")
    accessibility["Japan's desk with a decision"] = axe_violations(page)
    news.get_by_role("link", name="Amend the text").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/proposals/[0-9a-f-]{36}/$"))
    page.get_by_label("Your delegation's reply").fill("Paragraph 3 covers less than this.")
    accessibility["proposal page with the reply form"] = axe_violations(page)
    page.get_by_role("button", name="Send the reply").click()
    reply = page.locator("#decision-reply")
    expect(reply).to_contain_text("Paragraph 3 covers less than this.")
    expect(reply).to_contain_text("Japan replied")
    expect(reply.get_by_role("button", name="Send the reply")).to_have_count(0)
    accessibility["proposal page with the reply"] = axe_violations(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "chair", PASSWORD)
    page.goto(f"{live_server.url}/start/")
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chair's desk")
    expect(page.locator(".round-state")).to_contain_text("“Round 1” is open until")
    expect(page.locator("#conflicts-title")).to_be_visible()
    accessibility["chair's desk"] = axe_violations(page)

    assert accessibility == {page_name: [] for page_name in accessibility}


def _submit(code: str, words: str):
    element = Element.objects.get(text=THEME)
    return proposal_create(
        user=delegate_of(code),
        element=element,
        content=ProposalContent(kind="amend", proposed_text=f"{words} {element.text}"),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


def test_the_desk_refreshes_while_open_and_keeps_a_note_being_typed(
    page, live_server, bms7, settings
):
    """A position note typed on the desk survives the polls; the change they bring is said
    once in the polite region, and shown as soon as the note is sent."""
    settings.LIVE_POLL_SECONDS = 1
    open_round_for_a_day(bms7.document)
    delegate_of("ken", username="wanjiru", password=PASSWORD)
    _submit("jpn", "[Japan's]")
    sign_in(page, live_server, "wanjiru", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    waiting = page.locator("table.waiting")
    expect(waiting.locator("tbody tr")).to_have_count(1)

    waiting.get_by_text("Take a position").click()
    note = waiting.get_by_label("Note (optional)")
    note.fill("Our capital is still consulting.")
    _submit("ind", "[India's]")  # the next poll finds a change
    expect(page.locator("#live-news")).to_have_text(
        re.compile("2 proposals wait for your position"), timeout=10_000
    )
    page.wait_for_timeout(2_500)  # more polls, each finding the change again
    expect(note).to_have_value("Our capital is still consulting.")
    expect(note).to_be_focused()
    expect(waiting.locator("tbody tr")).to_have_count(1)  # not swapped under the typing

    waiting.get_by_label("Your delegation's position").select_option("reservation")
    waiting.get_by_role("button", name="Record our position").click()
    expect(page.locator("table.positions")).to_contain_text("Our capital is still consulting.")
    expect(page.locator("table.waiting")).to_contain_text("India")
    # Nobody busy now: a new proposal comes in by itself, and is said.
    _submit("mex", "[Mexico's]")
    expect(page.locator("table.waiting")).to_contain_text("Mexico", timeout=10_000)
    expect(page.locator("#live-news")).to_have_text(re.compile("2 proposals wait"))
    assert axe_violations(page) == []
