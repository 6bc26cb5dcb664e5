"""Issue #18 as the chair's office sees it, in the browser.

Brazil and France change the same word of one theme; Japan amends another, co-sponsored by
Mexico, and Kenya has a reservation on it. The chair signs in and lands on what waits
(#18.2): the round and its deadline, open proposals per agenda item, the conflict, named by
its place (#18.1). The compilation shows only the two elements with proposals, the
co-sponsor and the reservation's note; a stance filter narrows it (#18.5). While a note is
typed, a refresh announces a new proposal and replaces nothing (#18.7); the decision, with
the note, changes its card in place and folds it. On review and compose, accepting Brazil's
and France's together is refused with a panel that names both and the words they both
change. From the working draft the chair's tools lead to the element's edit form, where it
is agreed ad referendum; the comparison with the zero draft says so in words (#18.8).
Search, narrowed to submitted proposals, leads to a proposal and to the draft's element
(#18.6). Every page is checked with axe and for field values shown to the reader.
"""

import re

import pytest
from playwright.sync_api import expect

from drafting.models import Delegation, Element, ElementStatus
from drafting.services.cosponsorship import cosponsorship_accept
from drafting.services.marks import mark_set
from tests.e2e.conftest import PASSWORD, open_round_for_a_day, page_problems, sign_in
from tests.factories import amendment, chairs_office, delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CONTESTED = "Cooperation between exporting and importing states"
THEME = "Effective control over SALW"
REFRESH = """() => htmx.ajax("GET", location.pathname + location.search, {
    source: "[data-hx-trigger='every 30s']", target: "#compilation-rows",
    select: "#compilation-rows", swap: "outerHTML"})"""


def test_the_chairs_office_decides_from_its_desk(page, live_server, bms7):
    problems = {}
    document = bms7.document
    open_round_for_a_day(document)
    contested = Element.objects.get(document=document, text=CONTESTED)
    theme = Element.objects.get(document=document, text=THEME)
    amendment(delegate_of("bra"), contested, "Cooperation between producing and importing states")
    amendment(delegate_of("fra"), contested, "Cooperation between supplying and importing states")
    mexico = delegate_of("mex")
    japans = amendment(
        delegate_of("jpn"),
        theme,
        "Effective [and accountable] control over SALW",
        co_sponsors=[Delegation.objects.get(code="mex")],
    )
    cosponsorship_accept(user=mexico, proposal=japans)
    mark_set(user=delegate_of("ken"), proposal=japans, stance="reservation", note="Too vague.")
    chairs_office(username="chair", password=PASSWORD)

    # What waits for the chair (#18.2), each conflict by its place (#18.1).
    sign_in(page, live_server, "chair", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chair's desk")
    expect(page.locator(".round-state")).to_contain_text("“Round 1” is open until")
    expect(page.locator(".round-state .local-time")).to_contain_text("your time")
    expect(page.locator("#per-item-title")).to_have_text("3 open proposals")
    expect(page.locator("table.per-agenda-item tbody tr")).to_have_text(
        [re.compile(r"^Agenda item 1\.?\s*3$")]
    )
    conflict = page.locator("ul.conflicts li")
    expect(conflict).to_have_text(
        re.compile(rf"Agenda item 1, section e\), theme: {CONTESTED}: 2 open proposals")
    )
    problems["chair's desk"] = page_problems(page)

    # The compilation (#18.5): elements with proposals only, co-sponsor and note shown.
    page.get_by_role("link", name="Compilation", exact=True).click()
    expect(page.locator("section.compiled")).to_have_count(2)
    expect(page.get_by_label("Show elements without proposals too")).not_to_be_checked()
    japan = page.locator(f"#p-{japans.public_id}")
    expect(japan.locator(".who")).to_contain_text("co-sponsored by Mexico")
    expect(japan.locator(".marks-line")).to_contain_text("Kenya (“Too vague.”)")
    problems["compilation"] = page_problems(page)
    page.get_by_label("Stance").select_option(label="a delegation has a reservation on it")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("li.compiled-proposal")).to_have_count(1)
    expect(page.locator("section.compiled")).to_have_count(1)
    problems["compilation, filtered by stance"] = page_problems(page)

    # A refresh while a note is typed announces, replaces nothing (#18.7); the decision
    # then changes its card in place, folded, the note with it.
    page.get_by_role("link", name="Compilation", exact=True).click()
    note = japan.get_by_label("Note to the delegation")
    note.fill("Accepted; Kenya's concern is noted.")
    amendment(delegate_of("ind"), theme, "Effective national control over SALW")
    page.evaluate(REFRESH)
    expect(page.locator("#live-news")).to_have_text(
        "The compilation was refreshed: 4 proposals shown, 4 open in the draft."
    )
    expect(page.locator("li.compiled-proposal")).to_have_count(3)
    expect(note).to_have_value("Accepted; Kenya's concern is noted.")
    page.evaluate("window.notReloaded = true")
    japan.get_by_role("button", name="Accept", exact=True).click()
    expect(japan.locator(".decision-message")).to_have_text("Accepted.")
    expect(japan.locator(".decision-message")).to_be_focused()
    expect(japan.locator("details.decided")).not_to_have_attribute("open", "")
    expect(japan.locator("details.decided summary")).to_contain_text("Japan")
    expect(japan.locator("details.decided")).to_contain_text("Kenya's concern is noted.")
    assert page.evaluate("window.notReloaded") is True
    problems["compilation after a decision in place"] = page_problems(page)

    # The conflict names both proposals and the words they both change (#18.5).
    page.get_by_role("link", name="Desk", exact=True).click()
    page.locator("ul.conflicts").get_by_role("link").click()
    expect(page.locator("p.place").first).to_have_text(
        f"Agenda item 1, section e), theme: {CONTESTED}"
    )
    for name in ("Brazil", "France"):
        page.get_by_role("article", name=name).get_by_label("choose / cite").check()
    page.get_by_role("button", name="Accept the chosen proposals").click()
    panel = page.locator("section.conflict")
    expect(panel).to_contain_text(re.compile(r"Brazil.*France|France.*Brazil"))
    expect(panel).to_contain_text("The words both change: “exporting”")
    expect(panel).not_to_contain_text("Does not apply to the current text")
    problems["review, conflict"] = page_problems(page)

    # The chair's tools beside each element of the working draft (#18.5); words (#18.8).
    page.get_by_role("link", name="Working draft", exact=True).click()
    tools = page.get_by_role(
        "group", name=re.compile(r"^Chair's tools: theme .*accountable\] control over SALW")
    )
    tools.get_by_role("link", name="edit").click()
    expect(page).to_have_url(re.compile(rf"/elements/{theme.pk}/review/#compose$"))
    page.get_by_label("Status").select_option(label="agreed ad referendum")
    page.get_by_role("button", name="Set status").click()
    expect(page.locator(".current-text")).to_contain_text("agreed ad referendum")
    theme.refresh_from_db()
    assert theme.status == ElementStatus.AGREED
    page.goto(f"{live_server.url}/m/bms7/compare/?from=0&to=draft")
    expect(page.locator(f"#r-{theme.pk}")).to_contain_text("pending → agreed ad referendum")
    problems["comparison with the working draft"] = page_problems(page)

    # Search, narrowed to submitted proposals, leads to each result's place (#18.6).
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("importing")
    page.get_by_label("Status of the proposal").select_option(label="submitted")
    page.get_by_role("button", name="Search").click()
    proposals = page.locator("#in-proposals + ol.hits > li")
    expect(proposals).to_have_count(2)
    expect(proposals.locator(".hit-place").first).to_have_text(
        f"Agenda item 1, section e), theme: {CONTESTED}"
    )
    problems["search of proposals"] = page_problems(page)
    page.get_by_label("Look in").select_option(label="the working draft")
    page.get_by_label("Status of the proposal").select_option(label="All")
    page.get_by_label("Agenda item").select_option(label="Agenda item 1")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#in-proposals")).to_have_count(0)
    in_draft = page.locator("#in-draft + ol.hits > li")
    expect(in_draft.filter(has_text=CONTESTED)).to_have_count(1)
    problems["search of the working draft"] = page_problems(page)
    in_draft.filter(has_text=CONTESTED).get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/m/bms7/draft/#e-{contested.pk}$"))
    expect(page.locator(f"#e-{contested.pk}")).to_be_in_viewport()
    assert problems == {name: [] for name in problems}
