"""The secretariat imports a zero draft from a Word file in the browser, corrects an element
by keyboard (htmx swaps the preview; focus stays on the button pressed), and saves it."""

import pytest
from playwright.sync_api import expect

from drafting.models import Revision
from tests.e2e.conftest import axe_violations, sign_in
from tests.factories import MeetingFactory, secretariat
from tests.unit.test_importing import resolution_docx

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"


def test_secretariat_imports_corrects_by_keyboard_and_saves(page, live_server, tmp_path):
    meeting = MeetingFactory(slug="bms8", short_title="BMS8")
    secretariat(username="sam", password=PASSWORD)
    sign_in(page, live_server, "sam", PASSWORD)
    page.goto(f"{live_server.url}/m/bms8/import/")
    assert axe_violations(page) == []

    word_file = tmp_path / "zero-draft.docx"
    word_file.write_bytes(resolution_docx())
    page.get_by_label("Word document (.docx)").set_input_files(str(word_file))
    page.get_by_role("button", name="Read the outline").click()
    expect(page.get_by_role("heading", name="Check the outline")).to_be_visible()
    counts = page.locator("table.import-counts")
    expect(counts).to_contain_text("sub-paragraph")
    assert axe_violations(page) == []

    # Element 4 ("Decides to convene a meeting;") becomes a preambular paragraph, by keyboard.
    page.get_by_label("Kind of element 4", exact=True).focus()
    page.keyboard.type("pre")  # a select takes typed letters to the matching option
    page.keyboard.press("Tab")
    expect(page.locator("#kind-button-3")).to_be_focused()
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.keyboard.press("Enter")
    expect(page.locator("#row-3 .import-kind")).to_have_text("preambular paragraph")
    # The preview was swapped in place (no page load) and focus is back on the button.
    expect(page.locator("#kind-button-3")).to_be_focused()

    page.get_by_label("Title of the document").fill("BMS8 outcome")
    page.get_by_role("button", name="Save and issue the zero draft").click()
    expect(page).to_have_url(f"{live_server.url}/m/bms8/draft/")
    expect(page.locator("section.chapter h2 .label")).to_have_text("I.")
    zero = Revision.objects.get(document__meeting=meeting)
    kinds = [child["kind"] for child in zero.snapshot["elements"][0]["children"]]
    assert kinds[:4] == ["preambular", "preambular", "preambular", "paragraph"]
