"""A delegation is named as co-sponsor only with its consent, in the browser.

A delegate of Japan proposes an amendment naming Kenya as co-sponsor. The proposal page
does not name Kenya. A delegate of Kenya finds the invitation on My delegation, accepts it
there, and the proposal page then names Kenya as co-sponsor, with the button to withdraw.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, open_round_for_a_day, sign_in
from tests.factories import delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
THEME = "Effective control over SALW"


def test_kenya_accepts_to_co_sponsor_on_its_delegation_page(page, live_server, bms7):
    accessibility = {}
    open_round_for_a_day(bms7.document)
    delegate_of("jpn", username="aiko", first_name="Aiko", last_name="Tanaka", password=PASSWORD)
    delegate_of("ken", username="wanjiru", first_name="Wanjiru", last_name="M", password=PASSWORD)

    sign_in(page, live_server, "aiko", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/draft/")
    theme = page.locator("li").filter(has_text=THEME)
    theme.get_by_role("link", name=re.compile(r"^propose\b")).click()
    page.get_by_label("Proposed text").fill("Effective [and accountable] control over SALW")
    combobox = page.get_by_role("combobox", name="Co-sponsors")
    combobox.press_sequentially("Keny", delay=30)
    page.get_by_role("option", name="Kenya").click()
    expect(page.locator("#co-sponsor-chips")).to_contain_text("Kenya")
    page.get_by_role("button", name="Submit to the chair").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/proposals/[0-9a-f-]{36}/$"))
    proposal_url = page.url
    expect(page.locator(".facts")).not_to_contain_text("Kenya")
    expect(page.locator("#cosponsorship")).to_contain_text("Kenya: invited, awaiting reply")
    accessibility["proposal page, names awaiting an answer"] = axe_violations(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server, "wanjiru", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/delegation/")
    invitations = page.locator("table.invitations")
    expect(invitations).to_contain_text("Japan")
    expect(invitations).to_contain_text("invited, awaiting reply")
    accessibility["My delegation with an invitation"] = axe_violations(page)
    invitations.get_by_role("button", name="Accept").click()
    expect(page).to_have_url(f"{live_server.url}/m/bms7/delegation/")
    expect(page.get_by_role("status")).to_contain_text(
        "Your delegation now co-sponsors this proposal."
    )
    expect(invitations.get_by_role("button", name="Withdraw our co-sponsorship")).to_be_visible()

    page.goto(proposal_url)
    expect(page.locator(".facts")).to_contain_text("Co-sponsors")
    expect(page.locator(".facts")).to_contain_text("Kenya")
    expect(page.locator("#cosponsorship")).to_contain_text(
        "Your delegation co-sponsors this proposal."
    )
    accessibility["proposal page as co-sponsor"] = axe_violations(page)

    assert accessibility == {page_name: [] for page_name in accessibility}
