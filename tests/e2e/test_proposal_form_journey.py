"""The proposal form in the browser (#18.4): a delegate of Japan counts characters as she
types, sees the box follow the kind (empty for an insertion, gone for a deletion), picks
co-sponsors from the combobox with the keyboard alone, removes one, and submits; axe finds
nothing serious on the form, its list open or not."""

import re

import pytest
from playwright.sync_api import expect

from drafting.models import Proposal
from tests.e2e.conftest import axe_violations, open_round_for_a_day, sign_in
from tests.factories import delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
THEME = "Effective control over SALW"


def test_counter_kinds_and_co_sponsors_combobox(page, live_server, bms7):
    accessibility = {}
    open_round_for_a_day(bms7.document)
    delegate_of("jpn", username="aiko", first_name="Aiko", last_name="Tanaka", password=PASSWORD)
    sign_in(page, live_server, "aiko", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/draft/")
    page.locator("li").filter(has_text=THEME).get_by_role(
        "link", name=re.compile(r"^propose\b")
    ).first.click()

    # The limit is said before anything is pasted; the count follows the typing.
    box = page.get_by_label("Proposed text")
    expect(box).not_to_have_attribute("maxlength", re.compile(".*"))
    expect(page.locator("#id_proposed_text_helptext")).to_contain_text("Up to 4,000 characters")
    count = page.locator("#id_proposed_text_count")
    expect(count).to_have_text("27 of 4,000 characters")
    box.fill("Effective [and accountable] control over SALW")
    expect(count).to_have_text("45 of 4,000 characters")
    box.fill("x" * 4_100)  # as a paste: nothing cut
    expect(count).to_have_text("4,100 of 4,000 characters: 100 too many")
    expect(box).to_have_value("x" * 4_100)
    expect(page.locator("#id_proposed_text_count_said")).to_have_text(
        "4,100 of 4,000 characters: 100 too many"
    )

    # The form follows the kind: a deletion shows its text read-only, no box; an insertion
    # empties a box still holding the current text.
    box.fill(THEME)
    page.get_by_label("delete the element").check()
    expect(box).to_be_hidden()
    expect(page.locator("#text-to-delete")).to_be_visible()
    expect(page.get_by_label("The new element is a")).to_be_hidden()
    page.get_by_label("comment without changing the text").check()
    expect(box).to_be_hidden()
    expect(page.locator("#text-to-delete")).to_be_hidden()
    page.get_by_label("insert a new element after this one").check()
    expect(box).to_be_visible()
    expect(box).to_have_value("")
    expect(page.get_by_label("The new element is a")).to_be_visible()
    expect(page.locator("#insert-reference")).to_contain_text(THEME)
    page.get_by_label("amend the text").check()
    expect(box).to_have_value(THEME)
    box.fill("Effective [and accountable] control over SALW")

    # Co-sponsors with the keyboard: type, arrow down, Enter; a chip each; remove one.
    combobox = page.get_by_role("combobox", name="Co-sponsors")
    combobox.focus()
    combobox.press_sequentially("ken", delay=30)
    listbox = page.get_by_role("listbox", name="States taking part")
    expect(listbox.get_by_role("option")).to_have_text(["Kenya"])
    expect(combobox).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#co-sponsor-status")).to_contain_text("1 State matches “ken”")
    accessibility["proposal form, list open"] = axe_violations(page)
    combobox.press("ArrowDown")
    expect(combobox).to_have_attribute("aria-activedescendant", re.compile(r"co-sponsor-option-"))
    expect(listbox.get_by_role("option", name="Kenya")).to_have_attribute("aria-selected", "true")
    combobox.press("Enter")
    chips = page.locator("#co-sponsor-chips")
    expect(chips).to_contain_text("Kenya")
    expect(combobox).to_have_value("")
    expect(combobox).to_have_attribute("aria-expanded", "false")
    expect(page).to_have_url(re.compile(r"/propose/$"))  # Enter chose, it did not send

    combobox.press_sequentially("me", delay=30)
    expect(listbox.get_by_role("option", name="Mexico")).to_be_visible()
    # Kenya, chosen, is offered no more.
    combobox.fill("")
    combobox.press_sequentially("k", delay=30)
    expect(listbox.get_by_role("option", name="Kenya")).to_have_count(0)
    combobox.fill("")
    combobox.press_sequentially("mexi", delay=30)
    expect(listbox.get_by_role("option")).to_have_text(["Mexico"])
    combobox.press("ArrowDown")
    combobox.press("Enter")
    expect(chips.locator("li")).to_have_count(2)
    page.get_by_role("button", name="Remove Kenya").click()
    expect(chips.locator("li")).to_have_count(1)
    expect(chips).not_to_contain_text("Kenya")
    combobox.press("Escape")
    accessibility["proposal form, co-sponsor chosen"] = axe_violations(page)

    page.get_by_role("button", name="Submit to the chair").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/proposals/[0-9a-f-]{36}/$"))
    expect(page.locator("#cosponsorship")).to_contain_text("Mexico: invited, awaiting reply")
    expect(page.locator("#cosponsorship")).not_to_contain_text("Kenya")
    proposal = Proposal.objects.get()
    assert proposal.proposed_text == "Effective [and accountable] control over SALW"
    assert [i.delegation.code for i in proposal.cosponsor_invitations.all()] == ["mex"]

    # The revise form shows the change at once, and says what saving a submitted one does.
    page.get_by_role("link", name=re.compile("Revise")).first.click()
    expect(page.locator("#diff-preview .diff-text ins")).to_have_text("[and accountable] ")
    expect(page.locator(".acting-for")).to_contain_text("Revising the submitted proposal")
    expect(page.locator("#co-sponsor-chips")).to_contain_text("Mexico")
    accessibility["revise form"] = axe_violations(page)

    assert accessibility == {name: [] for name in accessibility}
