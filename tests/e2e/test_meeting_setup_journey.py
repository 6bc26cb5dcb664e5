"""The secretariat sets up a meeting in Geneva from the home page, picks a group by keyboard
through the filter box, and designates its coordinator; the pages pass axe."""

import pytest
from playwright.sync_api import expect

from drafting.models import Delegation, GroupCoordinator, Meeting
from tests.e2e.conftest import axe_violations, sign_in
from tests.factories import secretariat

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"


def test_secretariat_sets_up_a_meeting(page, live_server, bms7):
    secretariat(username="clerk", password=PASSWORD)
    sign_in(page, live_server, "clerk", PASSWORD)
    page.get_by_role("link", name="Set up a meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up a meeting")
    assert axe_violations(page) == []

    page.get_by_label("Full title").fill("Eighth Biennial Meeting of States")
    page.get_by_label("Short title").fill("BMS8")
    page.get_by_label("Document symbol prefix").fill("A/CONF.192/BMS/2026/WP.1")
    page.get_by_label("Venue").fill("Geneva")
    page.get_by_label("First day").fill("2026-06-08")
    page.get_by_label("Last day").fill("2026-06-12")
    page.get_by_label("Time zone").select_option("Europe/Zurich")
    page.get_by_role("button", name="Set up the meeting").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Setting up BMS8")
    expect(page.get_by_text("BMS8 is set up.")).to_be_visible()
    expect(page.get_by_text("Import the zero draft")).to_be_visible()
    assert axe_violations(page) == []

    # Keyboard only: type in the filter, tab to the European Union, tick it with the space bar.
    page.get_by_label("Show only delegations whose name contains").fill("european union")
    expect(page.locator("#filter-status")).to_have_text("One delegation shown")
    expect(page.get_by_label("Japan", exact=True)).to_be_hidden()
    page.keyboard.press("Tab")
    expect(page.get_by_label("European Union")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save the participants").click()
    expect(page.get_by_text("Participants saved: 1 added, 0 removed.")).to_be_visible()

    eu = Delegation.objects.get(code="eu")
    member = eu.members.order_by("name").first()
    page.get_by_label("EU", exact=True).select_option(str(member.pk))
    page.get_by_role("button", name="Save the coordinators").click()
    expect(page.get_by_text("Group coordinators saved.")).to_be_visible()

    meeting = Meeting.objects.get(slug="bms8")
    assert meeting.time_zone == "Europe/Zurich"
    assert meeting.delegations.filter(pk=eu.pk).exists()
    assert GroupCoordinator.objects.get(meeting=meeting, group=eu).delegation == member
