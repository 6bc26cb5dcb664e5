"""The chair's office merges proposals into the working draft and issues Rev.1, in the browser.

While a consultation round is open, four delegations propose amendments to the theme
"Cooperation between exporting and importing states". Japan's and Mexico's change different
words; Brazil's and France's change the same word ("exporting"), so they conflict.

The chair opens the compilation, sees the four proposals under the theme with their diffs, and
accepts Japan's and then Mexico's with one click each: Mexico's change still applies to the text
Japan's left, and the working draft reads the two together. On "review and compose" the chair
chooses Brazil's and France's proposals and accepts them together; this is refused with a
conflict panel showing the current text and both proposals side by side. The chair writes the
text as bracketed alternatives, citing both, and saves it: the element's text changes and both
proposals are accepted with changes. The chair then issues Rev.1 with a cover letter, and its
page shows the revision's symbol.

A delegate of Japan then sees on "My delegation" that the proposal is reflected in Rev.1, and
the comparison of the zero draft with Rev.1 shows the theme's change as a redline and the
open brackets per agenda item in both revisions. No page of the journey has a serious or
critical accessibility problem.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

from drafting.models import Element, Proposal
from drafting.services.proposals import ProposalContent, proposal_create
from tests.e2e.conftest import axe_violations, open_round_for_a_day, sign_in
from tests.factories import chairs_office, delegate_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
THEME = "Cooperation between exporting and importing states"
PROPOSED = {
    "jpn": "Enhanced cooperation between exporting and importing states",
    "mex": "Cooperation between exporting and importing States, as appropriate",
    "bra": "Cooperation between producing and importing states",
    "fra": "Cooperation between supplying and importing states",
}
BOTH_ACCEPTED = "Enhanced cooperation between exporting and importing States, as appropriate"
COMPOSED = (
    "Enhanced cooperation between [producing / supplying] and importing States, as appropriate"
)
SYMBOL_PREFIX = "A/CONF.192/BMS/2021/WP.1"


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def _open_round(bms7):
    open_round_for_a_day(bms7.document)


def _submit_proposals(theme, codes=tuple(PROPOSED)):
    """Each delegation submits its amendment through the service, as the proposal form does."""
    proposals = {}
    for code in codes:
        text = PROPOSED[code]
        proposals[code] = proposal_create(
            # Only Japan's delegate signs in later; the others need no (slow) password hash.
            user=delegate_of(
                code, username=f"delegate-{code}", password=PASSWORD if code == "jpn" else None
            ),
            element=theme,
            content=ProposalContent(kind="amend", proposed_text=text),
            idempotency_key=uuid.uuid4(),
            submit=True,
        )
    return proposals


def test_chair_merges_proposals_resolves_a_conflict_and_issues_rev1(page, live_server, bms7):
    # Accessibility problems are gathered and asserted at the end, so that one does not hide
    # a later step of the journey.
    accessibility = {}
    _open_round(bms7)
    theme = Element.objects.get(document=bms7.document, kind="theme", text=THEME)
    proposals = _submit_proposals(theme)
    chairs_office(username="chair", first_name="Maritza", last_name="Chan", password=PASSWORD)

    # The compilation shows the four proposals under the theme, each with its diff.
    sign_in(page, live_server, "chair", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/compilation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compilation of proposals")
    section = page.locator(f"#e-{theme.pk}")
    expect(section.locator(".compiled-text")).to_contain_text(THEME)
    expect(section.locator(".open-count")).to_have_text("4 open proposals")
    cards = section.locator("li.compiled-proposal")
    expect(cards).to_have_count(4)

    def card(name):
        # A decided proposal is folded (<details>): its link is there, hidden until opened.
        return cards.filter(
            has=page.get_by_role("link", name=name, exact=True, include_hidden=True)
        )

    expect(card("Japan").locator(".diff-text ins")).to_have_text("Enhanced cooperation")
    expect(card("Japan").locator(".diff-text del")).to_have_text("Cooperation")
    expect(card("Mexico").locator(".diff-text ins")).to_have_text("States, as appropriate")
    expect(card("Brazil").locator(".diff-text ins")).to_have_text("producing")
    expect(card("France").locator(".diff-text ins")).to_have_text("supplying")
    for name in ("Brazil", "France"):
        expect(card(name).locator(".diff-text del")).to_have_text("exporting")
    accessibility["compilation"] = axe_violations(page)

    # One click accepts Japan's proposal; Mexico's then applies to the text Japan's left.
    # The card changes in place (htmx): the message beside it takes the focus, on screen, and
    # is said in the page's polite live region; the page is not loaded again.
    page.evaluate("window.notReloaded = true")
    for name in ("Japan", "Mexico"):
        card(name).get_by_role("button", name="Accept", exact=True).click()
        message = card(name).locator(".decision-message")
        expect(message).to_have_text("Accepted.")
        expect(message).to_be_focused()
        expect(message).to_be_in_viewport()
        expect(page.locator("#decision-status")).to_have_text("Accepted.")
        # No dialog before a decision: an Undo after it.
        expect(
            page.get_by_role("button", name=f"Undo the decision on the proposal of {name}")
        ).to_be_visible()
        expect(card(name).locator(".status")).to_have_text("accepted")
        expect(card(name).locator("details.decided")).not_to_have_attribute("open", "")
        expect(card(name).get_by_role("button", name="Accept", exact=True)).to_have_count(0)
    assert page.evaluate("window.notReloaded") is True
    accessibility["compilation after decisions in place"] = axe_violations(page)
    expect(section.locator(".compiled-text")).to_contain_text(BOTH_ACCEPTED)
    expect(section.locator(".open-count")).to_have_text("2 open proposals")

    page.goto(f"{live_server.url}/m/bms7/draft/")
    expect(page.locator(f"#e-{theme.pk} > .text")).to_have_text(BOTH_ACCEPTED)

    # Accepting Brazil's and France's together is refused: they change the same word.
    page.goto(f"{live_server.url}/m/bms7/compilation/")
    section.get_by_role("link", name="review and compose").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and compose: theme")
    expect(page.locator(".current-text")).to_contain_text(BOTH_ACCEPTED)
    expect(page.locator("article.card")).to_have_count(4)
    brazil = page.get_by_role("article", name="Brazil")
    france = page.get_by_role("article", name="France")
    brazil.get_by_label("choose / cite").check()
    france.get_by_label("choose / cite").check()
    page.get_by_role("button", name="Accept the chosen proposals").click()

    conflict = page.locator("section.conflict")
    expect(conflict.get_by_role("heading", level=2)).to_have_text(
        "Conflict: write the text yourself"
    )
    expect(conflict).to_contain_text("change the same words")
    columns = conflict.locator(".side-by-side > div")
    expect(columns).to_have_count(3)
    expect(columns.nth(0).get_by_role("heading")).to_have_text("Current text")
    expect(columns.nth(0).locator(".diff-text")).to_have_text(BOTH_ACCEPTED)
    expect(columns.nth(1).get_by_role("heading")).to_have_text("Brazil")
    expect(columns.nth(1).locator(".diff-text ins")).to_have_text("producing")
    expect(columns.nth(2).get_by_role("heading")).to_have_text("France")
    expect(columns.nth(2).locator(".diff-text ins")).to_have_text("supplying")
    # Nothing was written: both are still open and the text is unchanged.
    expect(page.locator(".current-text")).to_contain_text(BOTH_ACCEPTED)
    expect(brazil.locator(".status")).to_have_text("submitted")
    expect(france.locator(".status")).to_have_text("submitted")
    accessibility["review, conflict"] = axe_violations(page)

    # The chair writes bracketed alternatives, citing both proposals, and saves. The choice
    # is not kept across the conflict (see test_the_choice_survives_a_conflict), so it is
    # made again; check() leaves a ticked box ticked.
    brazil.get_by_label("choose / cite").check()
    france.get_by_label("choose / cite").check()
    new_text = page.get_by_label("New text")
    expect(new_text).to_have_value(BOTH_ACCEPTED)
    new_text.fill(COMPOSED)
    page.get_by_role("button", name="Save the new text").click()
    expect(page.get_by_text("The new text is in the working draft.")).to_be_visible()
    expect(page.locator("section.conflict")).to_have_count(0)
    expect(page.locator(".current-text")).to_contain_text(COMPOSED)
    expect(brazil.locator(".status")).to_have_text("accepted with changes")
    expect(france.locator(".status")).to_have_text("accepted with changes")
    expect(page.locator(".provenance")).to_contain_text(
        "Composed by the chair from proposals of Brazil, France"
    )
    theme.refresh_from_db()
    assert theme.text == COMPOSED

    # The chair issues Rev.1 with a cover letter.
    page.get_by_role("link", name="Issue a revision").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Issue Rev.1")
    accessibility["issue a revision"] = axe_violations(page)
    page.get_by_label("Cover letter").fill(
        "Excellencies,\n\nPlease find attached Rev.1, which reflects the proposals received "
        "in the first round."
    )
    page.get_by_label("I confirm: issue this revision now.").check()
    page.get_by_role("button", name="Issue Rev.1").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/revisions/1/$"))
    expect(page.get_by_text("Rev.1 is issued.")).to_be_visible()
    expect(page.locator(".status-line .symbol")).to_have_text(f"{SYMBOL_PREFIX}/Rev.1")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rev.1")
    expect(page.locator(".cover-letter")).to_contain_text("Please find attached Rev.1")

    # Japan's delegate sees the proposal reflected in Rev.1.
    _sign_out(page)
    sign_in(page, live_server, "delegate-jpn", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/delegation/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposals of Japan")
    row = page.locator("#submitted-title + table tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PROPOSED["jpn"])
    expect(row.locator(".status")).to_have_text("accepted")
    expect(row.locator(".reflection")).to_have_text("Reflected in Rev.1")
    expect(page.locator(".notifications")).to_contain_text(
        "Rev.1 is issued: your proposal is reflected in it."
    )
    accessibility["my delegation"] = axe_violations(page)

    # The comparison shows the theme's change as a redline and the brackets per agenda item.
    page.goto(f"{live_server.url}/m/bms7/compare/?from=0&to=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Changes from Zero draft to Rev.1")
    redline = page.locator(f"#r-{theme.pk}")
    expect(redline).to_have_class(re.compile(r"\bchange-changed\b"))
    expect(redline.locator("del")).to_have_text(["Cooperation between exporting", "states"])
    expect(redline.locator("ins")).to_have_text(
        ["Enhanced cooperation between [producing / supplying]", "States, as appropriate"]
    )
    expect(page.locator(".summary")).to_contain_text("1 changed")
    counts = page.get_by_role("table", name="Open brackets per agenda item")
    expect(counts.locator("thead th")).to_have_text(["Agenda item", "Zero draft", "Rev.1"])
    # Every agenda item of the zero draft is one bracket; the theme (item 1) adds one.
    expect(counts.locator("tbody tr")).to_have_text(
        [
            re.compile(r"^1\.\s*1\s*2$"),
            re.compile(r"^2\.\s*1\s*1$"),
            re.compile(r"^3\.\s*1\s*1$"),
            re.compile(r"^4\.\s*1\s*1$"),
            re.compile(r"^5\.\s*1\s*1$"),
            re.compile(r"^Total\s*5\s*6$"),
        ]
    )
    accessibility["compare"] = axe_violations(page)

    # What the pages showed is what was recorded.
    statuses = {
        code: Proposal.objects.get(pk=proposal.pk).status for code, proposal in proposals.items()
    }
    assert statuses == {
        "jpn": "accepted",
        "mex": "accepted",
        "bra": "accepted_with_changes",
        "fra": "accepted_with_changes",
    }
    assert accessibility == {page_name: [] for page_name in accessibility}


def test_the_choice_survives_a_conflict(page, live_server, bms7):
    """After a refused accept, the proposals the chair chose are still ticked, so that the
    text the chair then writes cites them; otherwise it is recorded as the chair's proposal
    and they stay open."""
    _open_round(bms7)
    theme = Element.objects.get(document=bms7.document, kind="theme", text=THEME)
    _submit_proposals(theme, codes=("bra", "fra"))
    chairs_office(username="chair", password=PASSWORD)
    sign_in(page, live_server, "chair", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/elements/{theme.pk}/review/")
    choices = [
        page.get_by_role("article", name=name).get_by_label("choose / cite")
        for name in ("Brazil", "France")
    ]
    for choice in choices:
        choice.check()
    page.get_by_role("button", name="Accept the chosen proposals").click()
    expect(page.locator("section.conflict")).to_contain_text("change the same words")
    for choice in choices:
        expect(choice).to_be_checked()
