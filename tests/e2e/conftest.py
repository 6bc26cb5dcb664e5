"""Browser journeys in Debian's Chromium (Playwright drives it; no browser download)."""

import os
from pathlib import Path

import pytest

# pytest-django's live server runs in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: run .ci/run, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core in the page (injected through evaluate, which the CSP allows).

    It waits for the page to finish loading first: a check started while a navigation is
    still parsing the new document finds no document element.
    """
    page.wait_for_load_state("load")
    page.evaluate(AXE)
    # Every rule runs; only the violations are worked out in full (axe's documented way to
    # run faster: no selectors for the nodes that pass).
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


PASSWORD = "a long demo passphrase"


def open_round_for_a_day(document, name="Round 1"):
    """A consultation round opened an hour ago, its deadline a day away."""
    from datetime import timedelta

    from django.utils import timezone

    from drafting.services.rounds import round_open
    from tests.factories import secretariat

    now = timezone.now()
    return round_open(
        user=secretariat(),
        document=document,
        name=name,
        opens_at=now - timedelta(hours=1),
        deadline=now + timedelta(days=1),
    )


def _internal_values():
    """The stored values of the choices that are not words ("agenda_item", "can_accept"):
    none may reach a reader, on screen or through a screen reader."""
    from drafting import models

    choices = (
        models.AuditAction,
        models.DelegationKind,
        models.ElementKind,
        models.ElementStatus,
        models.InvitationStatus,
        models.MarkStance,
        models.ProposalKind,
        models.ProposalStatus,
    )
    return sorted({value for enum in choices for value in enum.values if "_" in value})


FIELD_VALUES_SHOWN = """values => {
    const texts = [document.body.innerText];
    for (const element of document.querySelectorAll("[aria-label], [title], [alt]")) {
        for (const name of ["aria-label", "title", "alt"]) {
            if (element.hasAttribute(name)) texts.push(element.getAttribute(name));
        }
    }
    const all = texts.join("\\n");
    return values.filter(value => new RegExp("\\\\b" + value + "\\\\b").test(all));
}"""


def page_problems(page):
    """What a reader would trip on: axe's serious and critical findings, and any internal
    field value (#18.8) in the page's visible text or accessible names."""
    shown = page.evaluate(FIELD_VALUES_SHOWN, _internal_values())
    return axe_violations(page) + [f"field value shown: {value}" for value in shown]
