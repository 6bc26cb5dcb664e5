"""Issue #18 as the secretariat sees it, in the browser, from Nairobi for a meeting held in
New York.

The secretariat signs in and keeps its list of meetings (it has no desk: #18.2). It opens
the first round on the rounds page, the deadline typed in the meeting's time; the deadline
reads in New York time, in UTC, and in the reader's own (Nairobi) time, and no `datetime`
attribute carries fractions of a second (#18.8). Japan then proposes, and Kenya takes a
reservation with a note. The compilation, read-only for the secretariat, refreshes its counts
while open and says so (#18.7, #18.5). Search, narrowed to proposals of Japan, leads to the
proposal, whose page says where it sits (#18.1) and shows Kenya's note (#18.3) with no form to
take a position. The audit trail names each action in words, filtered by delegation; the zero
draft's page puts the cover letter before the annex (#18.8). Every page is checked with axe
and for field values shown to the reader.
"""

import re
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from drafting.models import ConsultationRound, Element
from drafting.services.marks import mark_set
from drafting.services.proposals import ProposalContent, proposal_create
from tests.e2e.conftest import PASSWORD, page_problems, sign_in
from tests.factories import delegate_of, secretariat

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

THEME = "Effective control over SALW"
REFRESH = """() => htmx.ajax("GET", location.pathname + location.search, {
    source: "[data-hx-trigger='every 30s']", target: "#compilation-rows",
    select: "#compilation-rows", swap: "outerHTML"})"""
DATETIMES = """() => Array.from(document.querySelectorAll("time[datetime]"),
    time => time.getAttribute("datetime"))"""


@pytest.fixture
def nairobi_page(browser):
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="Africa/Nairobi", locale="en-GB"
    )
    yield context.new_page()
    context.close()


def _propose(code, text):
    return proposal_create(
        user=delegate_of(code),
        element=Element.objects.get(text=THEME),
        content=ProposalContent(kind="amend", proposed_text=text),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


def test_the_secretariat_opens_a_round_and_follows_it(nairobi_page, live_server, bms7):
    page = nairobi_page
    problems = {}
    secretariat(username="secretariat", password=PASSWORD)
    new_york = ZoneInfo(bms7.time_zone)
    opens = timezone.now().astimezone(new_york) - timedelta(hours=1)
    deadline = datetime.combine(opens.date() + timedelta(days=2), datetime.min.time()).replace(
        hour=18, tzinfo=new_york
    )

    # The secretariat keeps its meetings list; the round is opened in the meeting's time.
    sign_in(page, live_server, "secretariat", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Negotiated outcome documents")
    expect(page.get_by_role("region", name="BMS7")).to_be_visible()
    problems["meetings"] = page_problems(page)
    page.goto(f"{live_server.url}/m/bms7/rounds/")
    page.get_by_label("Name").fill("First reading")
    page.get_by_label(re.compile(r"^Opens \(.*New York")).fill(opens.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(re.compile(r"^Deadline \(.*New York")).fill(
        deadline.strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_role("button", name="Open the round").click()
    row = page.get_by_role("row", name=re.compile("First reading"))
    expect(row).to_contain_text(deadline.strftime("%-d %B %Y, 18:00 E"))  # EST or EDT
    expect(row).to_contain_text(deadline.astimezone(ZoneInfo("UTC")).strftime("%-d %B %Y, %H:%M"))
    nairobi = deadline.astimezone(ZoneInfo("Africa/Nairobi"))
    expect(row.locator(".local-time")).to_contain_text(
        re.compile(rf"your time: {nairobi.day} {nairobi:%b} {nairobi.year}, {nairobi:%H:%M}")
    )
    expect(row).to_contain_text("open")
    assert ConsultationRound.objects.get().deadline == deadline
    assert [when for when in page.evaluate(DATETIMES) if "." in when] == []
    problems["rounds"] = page_problems(page)

    japans = _propose("jpn", "Effective [and accountable] control over SALW")
    mark_set(user=delegate_of("ken"), proposal=japans, stance="reservation", note="Too vague.")

    # The compilation, read-only, refreshes its counts and says so.
    page.get_by_role("link", name="Compilation", exact=True).click()
    cards = page.locator("li.compiled-proposal")
    expect(cards).to_have_count(1)
    expect(page.get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    expect(page.locator("#item-counts tbody td").first).to_have_text("1")
    problems["compilation"] = page_problems(page)
    _propose("mex", "Effective national control over SALW")
    page.evaluate(REFRESH)
    expect(page.locator("#live-news")).to_have_text(
        "The compilation was refreshed: 2 proposals shown, 2 open in the draft."
    )
    expect(cards).to_have_count(2)
    expect(page.locator("#item-counts tbody td").first).to_have_text("2")

    # Search, narrowed to Japan's proposals, leads to the proposal and its place.
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("control")
    page.get_by_label("Look in").select_option(label="proposals")
    page.get_by_label("Delegation").select_option(label="Japan")
    page.get_by_role("button", name="Search").click()
    hits = page.locator("#in-proposals + ol.hits > li")
    expect(hits).to_have_count(1)
    expect(hits.locator(".hit-place")).to_have_text(re.compile(rf"^Agenda item 1, .*{THEME}$"))
    problems["search"] = page_problems(page)
    hits.get_by_role("link", name="Japan: amend the text").click()
    expect(page.locator(".facts")).to_contain_text(re.compile(rf"Where\s*Agenda item 1, .*{THEME}"))
    expect(page.locator("#marks")).to_contain_text("Kenya (“Too vague.”)")
    expect(page.get_by_label("Your delegation's position")).to_have_count(0)
    problems["proposal"] = page_problems(page)

    # The audit trail, in words, filtered by delegation.
    page.goto(f"{live_server.url}/audit/?meeting=bms7")
    page.get_by_label("Delegation").select_option(label="Kenya")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator(".result-count")).to_have_text(re.compile(r"^[1-9]\d* events?"))
    delegations = page.locator("table.audit-table tbody td:nth-child(3)")
    assert set(delegations.all_inner_texts()) == {"Kenya"}
    problems["audit trail"] = page_problems(page)

    # The zero draft: the cover letter comes before the annex.
    page.goto(f"{live_server.url}/m/bms7/revisions/0/")
    letter_first = page.evaluate(
        """() => !!(document.querySelector(".cover-letter").compareDocumentPosition(
            document.querySelector(".document-body")) & Node.DOCUMENT_POSITION_FOLLOWING)"""
    )
    assert letter_first
    problems["zero draft"] = page_problems(page)
    assert problems == {name: [] for name in problems}
