"""PDF exports of an issued revision, in the browser.

The chair's office has issued Rev.1 (one theme changed since the zero draft) and Japan has
proposed an amendment against it. A clerk of the secretariat signs in, opens Rev.1 from the
list of revisions and, by keyboard, asks for its redline: the export runs (in the request,
as the tests run tasks immediately) and the progress page says it is ready; the download
link gives the redline PDF. The clerk then asks for the compilation of proposals while no
worker is free: the progress page waits, and when a worker has run the export the page
(polled by htmx) offers the download by itself. Each PDF is checked as text (pdftotext):
the symbol of Rev.1 and what the kind of export is for.

Anyone may download the issued revision's PDF without signing in, and is offered its redline;
the compilation is for delegations, the chair's office and the secretariat: the public is
shown no button for it, a hand-made request is refused (403) and a compilation's progress
page is not found. A delegate is offered the compilation, as the permissions say.

No page of the journey has a serious or critical accessibility problem (axe-core).
Set E2E_SCREENSHOTS=/some/dir to keep screenshots of the pages (export-journey-*.png).
"""

import os
import re
import uuid
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from drafting.models import Element, ExportJob, RevisionFile
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from drafting.tasks import export_pdf
from tests.e2e.conftest import axe_violations, sign_in
from tests.factories import chairs_office, delegate_of, secretariat
from tests.pdf_text import flat, pdf_text

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long demo passphrase"
SHOTS = os.environ.get("E2E_SCREENSHOTS")
REV1 = "A/CONF.192/BMS/2021/WP.1/Rev.1"
THEME = "Effective control over SALW"
CHANGED = "Effective [and transparent] control over SALW"
PROPOSED = "Effective [and transparent] control over small arms"
# The same tasks with no worker: an export waits, queued, until the test runs it.
NO_WORKER = {
    "default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"},
    "database": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}


def _issue_rev1(bms7, *, with_proposal=True):
    """Rev.1 with one theme changed; then Japan proposes an amendment against it."""
    theme = Element.objects.get(document=bms7.document, kind="theme", text=THEME)
    theme.text = CHANGED
    theme.save(update_fields=["text"])
    rev1 = revision_issue(
        issued_by=chairs_office(), document=bms7.document, cover_letter="Excellencies,"
    )
    if with_proposal:  # the round is open (the open_round fixture)
        proposal_create(
            user=delegate_of("jpn"),
            element=theme,
            content=ProposalContent(kind="amend", proposed_text=PROPOSED),
            idempotency_key=uuid.uuid4(),
            submit=True,
        )
    return rev1


def _shot(page, name):
    """With E2E_SCREENSHOTS set, keep a screenshot of the page (export-journey-NAME.png)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/export-journey-{name}.png", full_page=False)


def _download(page, link):
    """Follow the download link as a person would (Chromium shows the PDF in its viewer),
    and come back; return the response's type, the file name it offers and the bytes."""
    href = link.get_attribute("href")
    with page.expect_response(lambda response: response.url.endswith(href)) as response_info:
        link.click()
    response = response_info.value
    assert response.status == 200, response.url
    expect(page).to_have_url(re.compile(f"{re.escape(href)}$"))
    disposition = re.fullmatch(r'inline; filename="(.+)"', response.headers["content-disposition"])
    assert disposition is not None, response.headers["content-disposition"]
    page.go_back()
    # Chromium gives its viewer the bytes, not the page: fetch them with the page's cookies.
    fetched = page.request.get(response.url)
    assert fetched.ok and fetched.headers["content-type"] == response.headers["content-type"]
    return response.headers["content-type"], disposition[1], fetched.body()


def test_the_secretariat_exports_the_redline_and_the_compilation(
    page, live_server, bms7, open_round
):
    accessibility = {}
    rev1 = _issue_rev1(bms7)
    clerk = secretariat(username="clerk", password=PASSWORD)
    sign_in(page, live_server, "clerk", PASSWORD)

    page.get_by_role("link", name="Revisions").first.click()
    page.get_by_role("link", name="Rev.1", exact=True).click()
    expect(page).to_have_url(re.compile(r"/m/bms7/revisions/1/$"))
    expect(page.locator(".status-line .symbol")).to_have_text(REV1)
    downloads = page.locator(".status-line .downloads")
    expect(downloads.get_by_role("link", name="PDF", exact=True)).to_be_visible()
    expect(downloads.get_by_role("button")).to_have_text(
        [
            "Redline PDF",
            "Compilation PDF",
            "Word",
            "Redline in Word (tracked changes)",
            "Compilation in Word",
            "Akoma Ntoso XML",
        ]
    )
    _shot(page, "revision")
    accessibility["revision"] = axe_violations(page)

    # By keyboard: from the PDF link, Tab reaches the redline button and Enter presses it.
    downloads.get_by_role("link", name="PDF", exact=True).focus()
    page.keyboard.press("Tab")
    redline_button = page.get_by_role("button", name="Redline PDF")
    expect(redline_button).to_be_focused()
    page.keyboard.press("Enter")

    # The export runs in the request (tasks run immediately in the tests): about a second.
    expect(page).to_have_url(re.compile(r"/m/bms7/exports/\d+/$"), timeout=15_000)
    job = ExportJob.objects.get(kind="redline")
    expect(page).to_have_url(f"{live_server.url}/m/bms7/exports/{job.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("PDF of Rev.1 (redline)")
    progress = page.locator("#export-progress")
    expect(progress).to_contain_text("Ready.", timeout=15_000)
    stored = RevisionFile.objects.get(revision=rev1, kind="redline")
    expect(progress).to_contain_text(f"({stored.pages} page")
    link = progress.get_by_role("link", name="Download the PDF")
    expect(link).to_have_attribute("href", "/m/bms7/revisions/1/pdf/redline/")
    _shot(page, "ready")
    accessibility["export ready"] = axe_violations(page)
    content_type, name, content = _download(page, link)
    assert content_type == "application/pdf"
    assert name == "A-CONF.192-BMS-2021-WP.1-Rev.1-redline.pdf"
    assert content.startswith(b"%PDF") and content == bytes(stored.content)
    text = flat(pdf_text(content))
    assert REV1 in text
    assert "Rev.1: changes from Zero draft" in text and "[and transparent]" in text

    # The compilation, while no worker is free: the page waits, then offers the download.
    page.get_by_role("link", name="Back to Rev.1").click()
    expect(page).to_have_url(re.compile(r"/m/bms7/revisions/1/$"))
    with override_settings(TASKS=NO_WORKER):
        page.get_by_role("button", name="Compilation PDF").click()
        expect(page).to_have_url(re.compile(r"/m/bms7/exports/\d+/$"))
        job = ExportJob.objects.get(kind="compilation")
        expect(page).to_have_url(f"{live_server.url}/m/bms7/exports/{job.pk}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("PDF of Rev.1 (compilation)")
        expect(progress).to_contain_text("Waiting for a worker…")
        expect(page.get_by_role("progressbar", name="Waiting for a worker…")).to_be_visible()
        expect(progress.get_by_role("link")).to_have_count(0)
        _shot(page, "waiting")
        accessibility["export waiting"] = axe_violations(page)
        job.refresh_from_db()
        assert job.status == "queued" and job.requested_by == clerk
        assert export_pdf.call(job.pk) == "done"  # what the worker does
    expect(progress).to_contain_text("Ready.", timeout=10_000)
    _shot(page, "ready-after-polling")
    # htmx swapped the region in place: the address is the same, and the polling stopped.
    expect(page).to_have_url(f"{live_server.url}/m/bms7/exports/{job.pk}/")
    expect(progress).not_to_have_attribute("data-hx-get", re.compile(".*"))
    # The live region that announces it is not the swapped section but stays around it.
    expect(page.locator("[aria-live=polite] > #export-progress")).to_have_count(1)
    link = progress.get_by_role("link", name="Download the PDF")
    # The very compilation the job made (it says as of when), not whichever is newest.
    made = RevisionFile.objects.get(kind="compilation")
    expect(link).to_have_attribute("href", f"/m/bms7/revisions/1/pdf/compilation/{made.pk}/")
    content_type, name, content = _download(page, link)
    assert content_type == "application/pdf"
    as_of = timezone.localtime(made.as_of)
    assert name == f"A-CONF.192-BMS-2021-WP.1-Rev.1-compilation-{as_of:%Y-%m-%d-%H%M}.pdf"
    assert content.startswith(b"%PDF")
    text = flat(pdf_text(content))
    assert REV1 in text and "Compilation of proposals" in text
    assert "Japan" in text and "small arms" in text

    assert list(ExportJob.objects.order_by("kind").values_list("kind", "status")) == [
        ("compilation", "done"),
        ("redline", "done"),
        ("revision", "done"),  # made when Rev.1 was issued
    ]
    assert accessibility == {page_name: [] for page_name in accessibility}


def test_the_public_downloads_the_revision_and_only_delegations_get_the_compilation(
    page, live_server, bms7
):
    rev1 = _issue_rev1(bms7, with_proposal=False)
    stored = RevisionFile.objects.get(revision=rev1, kind="revision")  # made on issue

    # Without signing in: the revision's PDF and the redline, no compilation.
    page.goto(f"{live_server.url}/m/bms7/revisions/1/")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    downloads = page.locator(".status-line .downloads")
    expect(downloads.get_by_role("button")).to_have_text(
        ["Redline PDF", "Word", "Redline in Word (tracked changes)", "Akoma Ntoso XML"]
    )
    _shot(page, "public-revision")
    public_page = axe_violations(page)
    content_type, name, content = _download(
        page, downloads.get_by_role("link", name="PDF", exact=True)
    )
    assert content_type == "application/pdf" and name == "A-CONF.192-BMS-2021-WP.1-Rev.1.pdf"
    assert content.startswith(b"%PDF") and content == bytes(stored.content)
    text = flat(pdf_text(content))
    assert REV1 in text and CHANGED in text

    # A hand-made request for the compilation (the form's button turned into one) is refused
    # by the permissions, not by a missing CSRF token.
    downloads.get_by_role("button", name="Redline PDF").evaluate(
        "button => { button.value = 'compilation'; }"
    )
    with page.expect_response(re.compile(r"/revisions/1/exports/$")) as response_info:
        downloads.get_by_role("button", name="Redline PDF").click()
    assert response_info.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    assert not ExportJob.objects.filter(kind="compilation").exists()

    # Someone else's compilation export is not found for the public.
    job = ExportJob.objects.create(revision=rev1, kind="compilation")
    response = page.goto(f"{live_server.url}/m/bms7/exports/{job.pk}/")
    assert response.status == 404

    # A delegate is offered the compilation, and may follow it.
    delegate_of("jpn", username="aiko", password=PASSWORD)
    sign_in(page, live_server, "aiko", PASSWORD)
    page.goto(f"{live_server.url}/m/bms7/revisions/1/")
    expect(page.get_by_text("(Delegate · Japan)")).to_be_visible()
    expect(downloads.get_by_role("button")).to_have_text(
        [
            "Redline PDF",
            "Compilation PDF",
            "Word",
            "Redline in Word (tracked changes)",
            "Compilation in Word",
            "Akoma Ntoso XML",
        ]
    )
    response = page.goto(f"{live_server.url}/m/bms7/exports/{job.pk}/")
    assert response.status == 200
    expect(page.locator("#export-progress")).to_contain_text("Waiting for a worker…")
    assert public_page == []
