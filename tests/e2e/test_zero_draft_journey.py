"""A delegate signs in, opens the zero draft and finds its bracketed agenda items and footnotes."""

import re

import pytest
from playwright.sync_api import expect

from drafting.models import Element
from tests.e2e.conftest import axe_violations, sign_in
from tests.factories import delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"


def test_delegate_reads_the_zero_draft(page, live_server, bms7):
    delegate_of("jpn", username="aiko", first_name="Aiko", last_name="Tanaka", password=PASSWORD)
    sign_in(page, live_server, "aiko", PASSWORD)
    expect(page.get_by_text("Aiko Tanaka")).to_be_visible()
    expect(page.get_by_text("(Delegate · Japan)")).to_be_visible()

    page.get_by_role("link", name="Revisions").first.click()
    page.get_by_role("link", name="Zero draft").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("BMS7 Outcome Document – Zero Draft")

    # Five agenda items, each bracketed, brackets visibly marked.
    items = page.locator("section.agenda-item > h2")
    expect(items).to_have_count(5)
    for index in range(5):
        heading = items.nth(index)
        expect(heading.locator(".label")).to_have_text(f"{index + 1}.")
        expect(heading.locator(".bracket").first).to_have_text("[")
    assert page.locator(".bracket").first.evaluate("el => getComputedStyle(el).fontWeight") in {
        "700",
        "bold",
    }

    # Footnotes at the end, numbered through the document; a call jumps to its footnote.
    expect(page.locator("section.footnotes li")).to_have_count(5)
    page.locator("#fnref-2").click()
    expect(page).to_have_url(re.compile(r"#fn-2$"))
    expect(page.locator("#fn-2")).to_contain_text("Chair – designate..")

    expect(page.locator(".bracket-summary")).to_contain_text("5 open brackets in the document")
    assert axe_violations(page) == []


def test_every_page_passes_axe_and_works_by_keyboard(page, live_server, bms7):
    """No serious or critical accessibility issue on any page; the skip link works."""
    delegate_of("mex", username="lucia", password=PASSWORD)
    element = Element.objects.filter(kind="theme").first()
    page.goto(f"{live_server.url}/")
    assert axe_violations(page) == []
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe_violations(page) == []
    sign_in(page, live_server, "lucia", PASSWORD)
    for path in [
        "/",
        "/m/bms7/draft/",
        "/m/bms7/revisions/",
        "/m/bms7/revisions/0/",
        f"/m/bms7/elements/{element.pk}/history/",
        f"/m/bms7/elements/{element.pk}/proposals/",
        f"/m/bms7/elements/{element.pk}/propose/",
        "/m/bms7/delegation/",
        "/m/bms7/rounds/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert axe_violations(page) == [], path
