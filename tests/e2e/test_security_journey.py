"""Signing in with a second factor, and the secretariat's audit trail, in the browser.

With the second factor required (as in production), a secretariat account signing in with a
password alone is sent to the set-up page, which refuses to enrol a device without an
invitation. An invited clerk opens the invitation, chooses a username and a password, types
the key shown on the page into an "authenticator" (the test computes the code from it, as a
phone would), and is in. The audit trail shows the clerk's invitation, set-up and sign-in,
with the address they came from; it filters by user and by action, and pages through more
than 100 events. The clerk signs out and in again: this time the password is followed by the
code step, where a wrong code is refused next to the field (which describes the error and
keeps the focus), and the next code lets the clerk in.

A delegate signs in with a password alone and finds on "Security" that a second factor is
optional for delegates. Someone trying five wrong passwords for the delegate's account is
shown the locked-out page at the sixth attempt, even with the right password.

No page of the journey has a serious or critical accessibility problem (axe-core).
The key pages are also checked 400 px wide (a phone): the page itself does not scroll sideways.
Set E2E_SCREENSHOTS=/some/dir to keep desktop and 400 px wide screenshots of them.
"""

import base64
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import expect

from drafting.models import AuditAction, AuditEvent
from drafting.services.invitations import invitation_create
from tests.e2e.conftest import axe_violations, sign_in
from tests.factories import delegate_of, secretariat

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    # The live server's thread reads the same settings object: the requirement applies there.
    pytest.mark.usefixtures("_second_factor_required"),
]

PASSWORD = "a long demo passphrase"
SHOTS = os.environ.get("E2E_SCREENSHOTS")


@pytest.fixture
def _second_factor_required():
    with override_settings(OTP_REQUIRED=True):
        yield


def _code(key: str, steps_ahead: int = 0) -> str:
    """What an authenticator app given this key (as shown on the page) displays now."""
    totp = TOTP(base64.b32decode(key.replace(" ", "")))  # 30-second steps, six digits
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def _code_to_type(key: str, steps_ahead: int = 0) -> str:
    """The code, read early enough in its 30 seconds that it is still current when it arrives.

    (A code arriving in the next step is accepted, but django-otp then records a drift of one
    step, which would put the code of the step after next out of reach.)
    """
    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.1)
    return _code(key, steps_ahead)


def _wrong_code(key: str) -> str:
    """Six digits that no step near now accepts."""
    valid = {_code(key, steps) for steps in range(-2, 3)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 10**6, 111111)) if c not in valid)


def _on_a_phone(page, name: str, accessibility: dict) -> None:
    """The page at 400 px: no sideways scrolling of the page, and axe finds nothing serious.

    With E2E_SCREENSHOTS set, full-page screenshots at desktop width and at 400 px are kept.
    """
    size = page.viewport_size
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-desktop.png", full_page=True)
    page.set_viewport_size({"width": 400, "height": 860})
    try:
        if SHOTS:
            page.screenshot(path=f"{SHOTS}/{name}-mobile.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth") - 400
        accessibility[f"{name} at 400 px"] = axe_violations(page) + (
            [f"the page scrolls sideways by {overflow} px"] if overflow > 0 else []
        )
    finally:
        page.set_viewport_size(size)


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def _error_of(page, field):
    """The text of the element(s) that the field's aria-describedby points to."""
    return field.evaluate(
        """el => (el.getAttribute('aria-describedby') || '').split(/\\s+/)
              .map(id => document.getElementById(id)).filter(Boolean)
              .map(node => node.textContent.trim()).join(' ')"""
    )


def _earlier_sign_in_failures(count: int) -> None:
    """Yesterday's noise: failed sign-ins for an unknown name, enough for a second page."""
    yesterday = timezone.now() - timedelta(days=1)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            at=yesterday + timedelta(seconds=n),
            action=AuditAction.SIGN_IN_FAILED,
            username="intruder",
            ip_address="198.51.100.7",
        )
        for n in range(count)
    )


def test_second_factor_sign_in_and_the_audit_trail(page, live_server, bms7):
    accessibility = {}
    secretariat(username="old-clerk", password=PASSWORD)  # made in the admin, no device
    boss = secretariat(username="boss")
    invitation = invitation_create(actor=boss, email="ana@example.org", role="secretariat")
    delegate_of("jpn", username="aiko", first_name="Aiko", last_name="Tanaka", password=PASSWORD)
    _earlier_sign_in_failures(120)
    started = time.monotonic()

    # The sign-in page.
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    accessibility["sign-in"] = axe_violations(page)
    _on_a_phone(page, "sign-in", accessibility)

    # A password alone takes a secretariat account no further than the set-up page, which
    # does not let it enrol a device: that comes with an invitation.
    sign_in(page, live_server, "old-clerk", PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?next="))
    expect(page.get_by_role("alert")).to_contain_text("Ask the secretariat to invite you")
    expect(page.get_by_role("link", name="Audit trail")).to_have_count(0)  # it would bounce
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_have_count(0)
    _sign_out(page)

    # The invited clerk chooses a username and a password, and sets up the second factor in
    # the same step: the key is on the page, the app's code proves it.
    page.goto(f"{live_server.url}{reverse('invitation_accept', args=[invitation.token])}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accept your invitation")
    qr = page.get_by_role("img", name="QR code to add this account to an authenticator app")
    expect(qr).to_be_visible()
    # The steps are read first: the field does not take the focus past them.
    expect(page.get_by_label("Six-digit code from your authenticator app")).not_to_be_focused()
    key = page.locator("code.otp-key").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", key), key
    accessibility["invitation"] = axe_violations(page)
    _on_a_phone(page, "invitation", accessibility)
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_label("Six-digit code from your authenticator app").fill(_code_to_type(key))
    page.get_by_role("button", name="Make my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")
    User.objects.filter(username="clerk").update(first_name="Ana", last_name="Souza")
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")

    # The clerk's invitation, set-up and sign-in are there, with the address they came from.
    page.get_by_label("Username").fill("clerk")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator(".audit-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Signed in")
    expect(rows.nth(1)).to_contain_text("Second factor set up")
    expect(rows.nth(2)).to_contain_text("Invitation accepted")
    for n in range(3):
        expect(rows.nth(n)).to_contain_text("Ana Souza")
        expect(rows.nth(n)).to_contain_text("127.0.0.1")
    expect(page.get_by_label("Username")).to_have_value("clerk")

    # By action: only the set-up.
    page.get_by_label("Action").select_option(label="Second factor set up")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Second factor set up")
    expect(page.get_by_role("status")).to_have_text("1 event")
    accessibility["audit trail, filtered"] = axe_violations(page)
    _on_a_phone(page, "audit-filtered", accessibility)

    # Everyone's events: more than 100, so two pages, newest first.
    page.get_by_role("link", name="Clear filters").click()
    total = AuditEvent.objects.count()  # role changes and the like, too
    assert 120 < total <= 200
    expect(page.get_by_role("status")).to_have_text(f"{total} events · showing 1–100")
    expect(rows).to_have_count(100)
    expect(rows.first).to_contain_text("Signed in")
    pages = page.get_by_role("navigation", name="Pages of the audit trail")
    expect(pages).to_contain_text("Page 1 of 2")
    accessibility["audit trail"] = axe_violations(page)
    _on_a_phone(page, "audit", accessibility)
    pages.get_by_role("link", name="Older").click()
    expect(pages).to_contain_text("Page 2 of 2")
    expect(rows).to_have_count(total - 100)
    expect(rows.last).to_contain_text("intruder")
    expect(rows.last).to_contain_text("198.51.100.7")

    # Signing in again: the password, then the code step.
    _sign_out(page)
    sign_in(page, live_server, "clerk", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    expect(page.get_by_role("heading", level=1)).to_have_text("One-time code")
    code_field = page.get_by_label("Six-digit code from your authenticator app")
    expect(code_field).to_be_focused()
    accessibility["code step"] = axe_violations(page)

    # A wrong code is refused beside the field, which says why and keeps the focus.
    code_field.fill(_wrong_code(key))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#field-token .field-errors")).to_contain_text("That code is not right")
    expect(code_field).to_have_attribute("aria-invalid", "true")
    assert "That code is not right" in _error_of(page, code_field)
    expect(code_field).to_be_focused()
    accessibility["code step, wrong code"] = axe_violations(page)
    _on_a_phone(page, "code-wrong", accessibility)

    # The next code lets the clerk in (after django-otp's one-second wait for a wrong code).
    page.wait_for_timeout(1100)
    code_field.fill(_code_to_type(key, steps_ahead=1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("link", name="Audit trail")).to_be_visible()
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    expect(rows.first).to_contain_text("Signed in")
    expect(rows.nth(1)).to_contain_text("Wrong one-time code")
    _sign_out(page)

    # A delegate needs no code, and reads on "Security" that a second factor is optional.
    sign_in(page, live_server, "aiko", PASSWORD)
    # With one meeting, a delegate lands on its desk.
    expect(page).to_have_url(f"{live_server.url}/m/bms7/desk/")
    expect(page.locator(".site-nav .who")).to_contain_text("Aiko Tanaka")
    expect(page.get_by_role("link", name="Audit trail")).to_have_count(0)
    page.get_by_role("link", name="Security").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Second factor")
    expect(page.get_by_text("It is optional for delegates.")).to_be_visible()
    expect(page.get_by_role("link", name="Security")).to_have_attribute("aria-current", "page")
    _on_a_phone(page, "setup-delegate", accessibility)
    _sign_out(page)

    # Five wrong passwords for the delegate's account; the sixth try is refused outright.
    sign_in(page, live_server, "aiko", "not the passphrase")
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username")
    accessibility["sign-in, wrong password"] = axe_violations(page)
    for _attempt in range(4):
        sign_in(page, live_server, "aiko", "not the passphrase")
    sign_in(page, live_server, "aiko", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed sign-ins")
    expect(page.get_by_role("alert")).to_contain_text(
        "Wait 15 minutes and try again, or ask the secretariat to unlock it."
    )
    accessibility["locked out"] = axe_violations(page)
    _on_a_phone(page, "locked-out", accessibility)
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, username="aiko").exists()

    print(f"security journey: {time.monotonic() - started:.1f} s")  # a figure, not a test
    assert not {name: found for name, found in accessibility.items() if found}, accessibility
