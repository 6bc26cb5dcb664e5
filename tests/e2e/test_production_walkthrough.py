"""The production walk-through, end to end in a browser: migrate, a superuser, the secretariat
invited from the shell, accepting with its second factor, a meeting set up, its zero draft
imported from Word, a round opened, a focal point and the chair invited; the focal point
proposes, the chair accepts and issues Rev.1, and the e-mails arrive. Every page passes axe."""

import base64
import re
import time
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import TOTP
from playwright.sync_api import expect

from drafting.models import Proposal, ProposalStatus, Revision
from tests.e2e.conftest import axe_violations
from tests.unit.test_importing import resolution_docx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
LINK = re.compile(r"https?://[^/\s]+(/accounts/invitation/[\w-]+/)")


@pytest.fixture
def _second_factor_required():
    with override_settings(OTP_REQUIRED=True):
        yield


def _code(page) -> str:
    """What an authenticator app given the key on the page shows now (early enough in its 30
    seconds to be still current when it arrives)."""
    key = page.locator("code.otp-key").inner_text()
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    return f"{TOTP(base64.b32decode(key.replace(' ', ''))).token():06d}"


def _link_to(address: str) -> str:
    [message] = [m for m in mail.outbox if m.to == [address] and "invit" in m.subject.lower()]
    return LINK.search(message.body)[1]


def _check(page, seen: dict, name: str) -> None:
    seen[name] = axe_violations(page)


def _accept(page, live_server, path, username, *, second_factor: bool, seen, name) -> None:
    page.goto(f"{live_server.url}{path}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept your invitation")
    _check(page, seen, name)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    if second_factor:
        page.get_by_label("Six-digit code from your authenticator app").fill(_code(page))
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_role("status").filter(has_text="Your account is ready")).to_be_visible()


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


@pytest.mark.usefixtures("_second_factor_required")
def test_a_negotiation_from_an_empty_installation_to_rev_1(page, live_server, tmp_path):
    started = time.monotonic()
    seen: dict[str, list] = {}
    mail.outbox.clear()

    # The shell: migrate, a superuser, and the secretariat's invitation (printed, and mailed).
    call_command("migrate", verbosity=0)
    call_command("createsuperuser", interactive=False, username="root", email="root@example.org")
    out = StringIO()
    call_command("invite", "clerk@example.org", "--role", "secretariat", stdout=out)
    assert LINK.search(out.getvalue())[1] == _link_to("clerk@example.org")

    # The secretariat accepts: a password and the second factor in one step.
    _accept(
        page,
        live_server,
        _link_to("clerk@example.org"),
        "clerk",
        second_factor=True,
        seen=seen,
        name="invitation (secretariat)",
    )

    # It sets up the meeting in the browser.
    page.get_by_role("link", name="Set up a meeting").click()
    _check(page, seen, "meeting set-up")
    page.get_by_label("Full title").fill("Eighth Biennial Meeting of States")
    page.get_by_label("Short title").fill("BMS8")
    page.get_by_label("Document symbol prefix").fill("A/CONF.192/BMS/2026/WP.1")
    page.get_by_label("Venue").fill("New York")
    page.get_by_label("First day").fill("2026-06-08")
    page.get_by_label("Last day").fill("2026-06-12")
    page.get_by_label("Time zone").select_option("America/New_York")
    page.get_by_role("button", name="Set up the meeting").click()
    expect(page.get_by_text("BMS8 is set up.")).to_be_visible()
    _check(page, seen, "meeting setup page")

    # It imports the zero draft from a Word file.
    page.goto(f"{live_server.url}/m/bms8/import/")
    word_file = tmp_path / "zero-draft.docx"
    word_file.write_bytes(resolution_docx())
    page.get_by_label("Word document (.docx)").set_input_files(str(word_file))
    page.get_by_role("button", name="Read the outline").click()
    expect(page.get_by_role("heading", name="Check the outline")).to_be_visible()
    _check(page, seen, "import preview")
    page.get_by_label("Title of the document").fill("BMS8 outcome")
    page.get_by_role("button", name="Save and issue the zero draft").click()
    expect(page).to_have_url(f"{live_server.url}/m/bms8/draft/")
    _check(page, seen, "working draft (secretariat)")

    # It opens a round, and invites Japan's focal point and the chair.
    page.goto(f"{live_server.url}/m/bms8/rounds/")
    now = datetime.now(ZoneInfo("America/New_York"))
    page.get_by_label("Name").fill("First reading")
    page.get_by_label("Opens").fill((now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_deadline").fill((now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_role("rowheader", name="First reading")).to_be_visible()
    _check(page, seen, "rounds")
    for address, role, delegation in (
        ("focal@jpn.example", "Focal point of a delegation", "Japan"),
        ("chair@un.example", "Chair's office", None),
    ):
        page.goto(f"{live_server.url}/m/bms8/invitations/new/")
        page.get_by_label("E-mail address").fill(address)
        page.get_by_label("Role").select_option(label=role)
        if delegation:
            page.get_by_label("Delegation").select_option(label=delegation)
        page.get_by_role("button", name="Send the invitation").click()
        expect(page.get_by_text(address).first).to_be_visible()
    _check(page, seen, "people")
    _sign_out(page)

    # The focal point accepts and proposes.
    _accept(
        page,
        live_server,
        _link_to("focal@jpn.example"),
        "aiko",
        second_factor=False,
        seen=seen,
        name="invitation (focal point)",
    )
    page.goto(f"{live_server.url}/m/bms8/draft/")
    _check(page, seen, "working draft (delegate)")
    page.get_by_role("link", name=re.compile(r"^propose\b")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose language")
    _check(page, seen, "proposal form")
    box = page.get_by_label("Proposed text")
    box.fill(box.input_value() + " [in all its aspects]")
    page.get_by_role("button", name="Submit to the chair").click()
    expect(page.get_by_role("status")).to_contain_text("Your proposal was submitted.")
    _sign_out(page)

    # The chair accepts the invitation, the proposal, and issues Rev.1.
    _accept(
        page,
        live_server,
        _link_to("chair@un.example"),
        "chair",
        second_factor=True,
        seen=seen,
        name="invitation (chair)",
    )
    page.goto(f"{live_server.url}/m/bms8/compilation/")
    _check(page, seen, "compilation")
    page.get_by_role("button", name="Accept", exact=True).first.click()
    # The message beside the card (the live region repeats it for screen readers).
    expect(page.locator(".decision-message", has_text="Accepted.")).to_be_visible()
    page.get_by_role("link", name="Issue a revision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue Rev.1")
    _check(page, seen, "issue")
    page.get_by_label("Cover letter").fill("Dear colleagues, please find Rev.1 attached.")
    page.get_by_label("I confirm: issue this revision now.").check()
    page.get_by_role("button", name="Issue Rev.1").click()
    expect(page.get_by_text("Rev.1 is issued.")).to_be_visible()
    _check(page, seen, "Rev.1")

    # The record, and the mail: three invitations, then the focal point told at once of the
    # decision and of Rev.1, each with a link to the page.
    proposal = Proposal.objects.get(document__meeting__slug="bms8")
    assert proposal.status == ProposalStatus.ACCEPTED
    assert Revision.objects.filter(document__meeting__slug="bms8", number=1).exists()
    assert get_user_model().objects.get(username="aiko").email == "focal@jpn.example"
    to_focal = [m for m in mail.outbox if m.to == ["focal@jpn.example"]]
    bodies = "\n".join(m.body for m in to_focal)
    assert "The chair's office decided on your proposal: accepted" in bodies
    assert f"/m/bms8/proposals/{proposal.public_id}/" in bodies
    assert any("Rev.1" in m.subject for m in to_focal)
    assert all(m.alternatives for m in to_focal)
    assert {name: found for name, found in seen.items() if found} == {}
    assert time.monotonic() - started < 60  # 46 s measured on 2 shared cores
