"""The compilation and the working draft while open (#18.5, #18.7), in the browser.

The chair has the compilation open; a delegation submits a proposal. The page's 30-second
refresh (run here at once through htmx, as the poller would) shows the new card and says so
in the polite live region. With a note typed in a decision form, the next refresh announces
the newer proposal but leaves the typed note and the cards as they are. On the working draft
the chair's tools sit beside each element and lead to review and compose. axe finds nothing
serious on either page, nor after the chair rejects a proposal in place, the note typed
going with it, the message beside the card taking the focus.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from drafting.models import Element
from drafting.services.proposals import ProposalContent, proposal_create
from tests.e2e.conftest import axe_violations, open_round_for_a_day, sign_in
from tests.factories import chairs_office, delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
THEME = "Cooperation between exporting and importing states"
REFRESH = """() => htmx.ajax("GET", location.pathname + location.search, {
    source: "[data-hx-trigger='every 30s']", target: "#compilation-rows",
    select: "#compilation-rows", swap: "outerHTML"})"""


def _submit(code, element, text):
    return proposal_create(
        user=delegate_of(code),
        element=element,
        content=ProposalContent(kind="amend", proposed_text=text),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


def test_the_compilation_refreshes_without_losing_what_is_typed(page, live_server, bms7):
    open_round_for_a_day(bms7.document)
    theme = Element.objects.get(document=bms7.document, kind="theme", text=THEME)
    _submit("jpn", theme, f"Enhanced {THEME.lower()}")
    chairs_office(username="chair", password=PASSWORD)
    sign_in(page, live_server, "chair", PASSWORD)
    accessibility = {}

    page.goto(f"{live_server.url}/m/bms7/compilation/")
    cards = page.locator("li.compiled-proposal")
    expect(cards).to_have_count(1)
    accessibility["compilation"] = axe_violations(page)

    _submit("mex", theme, "Cooperation between exporting and importing States")
    page.evaluate(REFRESH)
    expect(cards).to_have_count(2)
    expect(page.locator("#live-news")).to_have_text(
        "The compilation was refreshed: 2 proposals shown, 2 open in the draft."
    )

    note = page.get_by_label("Note to the delegation").first
    note.fill("Half a thought")
    _submit("bra", theme, "Cooperation between producing and importing states")
    page.evaluate(REFRESH)
    expect(page.locator("#live-news")).to_have_text(
        "The compilation was refreshed: 3 proposals shown, 3 open in the draft."
    )
    page.wait_for_timeout(300)
    expect(cards).to_have_count(2)  # not replaced while a note is being written
    expect(note).to_have_value("Half a thought")

    # The note goes with a decision made in place: the card changes, the page stays.
    page.evaluate("window.notReloaded = true")
    first = cards.first
    first.get_by_role("button", name="Reject", exact=True).click()
    message = first.locator(".decision-message")
    expect(message).to_have_text("Rejected.")
    expect(message).to_be_focused()
    expect(message).to_be_in_viewport()
    expect(page.locator("#decision-status")).to_have_text("Rejected.")
    expect(first.locator("details.decided")).to_contain_text("Half a thought")
    assert page.evaluate("window.notReloaded") is True
    accessibility["compilation after a decision in place"] = axe_violations(page)

    page.goto(f"{live_server.url}/m/bms7/draft/")
    tools = page.locator(f"#e-{theme.pk} > .chair-tools")
    expect(tools.get_by_role("link", name="edit")).to_have_attribute(
        "href", re.compile(rf"/{theme.pk}/.*#compose$")
    )
    tools.get_by_role("link", name="move").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and compose: theme")
    expect(page.get_by_role("button", name="Move up")).to_be_visible()
    page.go_back()
    accessibility["working draft with the chair's tools"] = axe_violations(page)
    assert accessibility == {name: [] for name in accessibility}
