"""A delegate proposes language and another delegation supports it, in the browser.

While a consultation round is open, a delegate of Japan opens the working draft and proposes
an amendment to a theme. The live word diff under the text box shows the inserted words and
warns about an unclosed bracket while they type. Submitting the unbalanced text is refused
without losing a character of it, with the reason next to the field. Once the bracket is
closed, the proposal is submitted and its page shows it. A delegate of Mexico then records
support on that page: htmx swaps the support panel in place. A delegate of France, whose
browser runs no JavaScript, does the same through a plain POST.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, open_round_for_a_day, sign_in
from tests.factories import delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
THEME = "Effective control over SALW"
UNBALANCED = "Effective [and transparent control over SALW"
BALANCED = "Effective [and transparent] control over SALW"


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_delegate_proposes_and_another_delegation_supports(browser, page, live_server, bms7):
    # Accessibility problems are gathered and asserted at the end, so that one does not hide
    # a later step of the journey.
    accessibility = {}
    open_round_for_a_day(bms7.document)
    delegate_of("jpn", username="aiko", first_name="Aiko", last_name="Tanaka", password=PASSWORD)
    delegate_of("mex", username="lucia", first_name="Lucía", last_name="Ramos", password=PASSWORD)
    delegate_of(
        "fra", username="claire", first_name="Claire", last_name="Martin", password=PASSWORD
    )

    # Japan opens the working draft and follows the theme's "propose" link.
    sign_in(page, live_server, "aiko", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/draft/")
    theme = page.locator("li").filter(has_text=THEME)
    theme.get_by_role("link", name=re.compile(r"^propose\b")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose language")
    expect(page.locator(".current-text")).to_have_text(THEME)
    accessibility["proposal form"] = axe_violations(page)

    # While typing, the live diff shows the inserted words and the unclosed bracket.
    box = page.get_by_label("Proposed text")
    preview = page.locator("#diff-preview")
    box.fill(UNBALANCED)
    expect(preview.locator(".diff-text ins")).to_have_text("[and transparent ")
    expect(preview.locator(".field-problems")).to_contain_text("is never closed")
    accessibility["proposal form, live preview"] = axe_violations(page)

    # Submitting it is refused; the reason is beside the field and nothing typed is lost.
    page.get_by_role("button", name="Submit to the chair").click()
    expect(page.locator("#form-errors")).to_contain_text(
        "The proposal was not saved: please correct the fields marked below. "
        "Nothing you typed was lost."
    )
    field = page.locator("#field-proposed_text")
    expect(field.locator(".field-errors")).to_contain_text(
        "The opening bracket “[” at character 11 is never closed"
    )
    expect(page.get_by_label("Proposed text")).to_have_value(UNBALANCED)
    expect(page.get_by_label("Proposed text")).to_have_attribute("aria-invalid", "true")
    accessibility["proposal form, refused"] = axe_violations(page)

    # With the bracket closed, the proposal is submitted and shown on its own page.
    page.get_by_label("Proposed text").fill(BALANCED)
    page.get_by_role("button", name="Submit to the chair").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/proposals/[0-9a-f-]{36}/$"))
    expect(page.get_by_role("status")).to_contain_text("Your proposal was submitted.")
    expect(page.locator(".facts .status")).to_have_text("submitted")
    expect(page.locator(".proposal .diff-text ins")).to_have_text("[and transparent]")
    expect(page.locator(".proposal .diff-text")).to_have_text(BALANCED)
    proposal_url = page.url
    accessibility["proposal page as submitted"] = axe_violations(page)

    # Mexico supports it; htmx swaps the support panel without reloading the page.
    _sign_out(page)
    sign_in(page, live_server, "lucia", PASSWORD)
    page.goto(proposal_url)
    marks = page.locator("#marks")
    expect(marks.locator(".support-count")).to_have_text("0 delegations support")
    page.evaluate("window.notReloaded = true")
    marks.get_by_label("Your delegation's position").select_option(label="support")
    marks.get_by_role("button", name="Record our position").click()
    expect(marks.locator(".support-count")).to_have_text("1 delegation supports")
    expect(marks).to_contain_text("Supported by: Mexico")
    expect(marks).to_contain_text("Your delegation supports this proposal.")
    assert page.evaluate("window.notReloaded === true"), "the mark should be swapped in place"
    accessibility["proposal page after a mark"] = axe_violations(page)

    # France, without JavaScript, supports it through a plain POST and a redirect.
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        sign_in(plain, live_server, "claire", PASSWORD)
        plain.goto(proposal_url)
        plain.get_by_label("Your delegation's position").select_option(label="support")
        plain.get_by_role("button", name="Record our position").click()
        expect(plain).to_have_url(proposal_url)
        expect(plain.locator(".support-count")).to_have_text("2 delegations support")
        expect(plain.locator("#marks")).to_contain_text("Supported by: France, Mexico")
    finally:
        context.close()

    assert accessibility == {page_name: [] for page_name in accessibility}
