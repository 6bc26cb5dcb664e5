"""Regenerate the README's tour (static/img/tour-*.png) from the demo data.

Runs in a scratch SQLite database (a temporary folder, deleted afterwards): the demo's data,
one proposal accepted by the chair so that the working draft differs from the zero draft,
then Debian's Chromium (driven by Playwright) over a development server, and ``pdftoppm`` for
a page of the zero draft's PDF. Every PNG is 1200 px wide at most and reduced to 256 colours.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH = 1200
FORM_WIDTH = 960  # the proposal form is narrow: its pictures are too
SCRATCH_FLAG = "--in-scratch-database"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _shrink(path: Path) -> None:
    """At most WIDTH px wide, 256 colours, optimised: a few tens of KB a picture."""
    from PIL import Image

    with Image.open(path) as image:
        picture = image.convert("RGB")
    if picture.width > WIDTH:
        picture = picture.resize((WIDTH, round(picture.height * WIDTH / picture.width)))
    picture.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


class Command(BaseCommand):
    help = (
        "Regenerate the README's screenshots (static/img/tour-*.png) from the BMS7 demo data, "
        "in a scratch SQLite database, with Debian's Chromium (/usr/bin/chromium) and pdftoppm."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", default=str(settings.BASE_DIR / "static" / "img"), help="Folder."
        )
        parser.add_argument(SCRATCH_FLAG, action="store_true", help="(internal)")

    def handle(self, *args, output: str, in_scratch_database: bool, **options):
        for tool in (CHROMIUM, "pdftoppm"):
            if not shutil.which(tool):
                raise CommandError(
                    f"{tool} is missing: bash .ci/system-packages chromium poppler-utils"
                )
        if not in_scratch_database:
            self._rerun_in_scratch(output)
        else:
            self._take(Path(output))

    def _rerun_in_scratch(self, output: str) -> None:
        """Settings are read once: run again with a scratch database and demo settings."""
        with tempfile.TemporaryDirectory(prefix="bms7-screenshots-") as scratch:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{scratch}/demo.sqlite3",
                "DEBUG": "1",
                "TASKS_BACKEND": "immediate",
                "OTP_REQUIRED": "0",
                "STATIC_MANIFEST": "0",
                "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
            }
            subprocess.run(  # noqa: S603 - fixed arguments
                [
                    sys.executable,
                    "manage.py",
                    "readme_screenshots",
                    "--output",
                    output,
                    SCRATCH_FLAG,
                ],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
            )

    def _take(self, output: Path) -> None:
        from drafting.models import Element, ElementKind, Meeting, Proposal, ProposalStatus

        call_command("demo", no_serve=True, stdout=StringIO())
        meeting = Meeting.objects.select_related("document").get(slug="bms7")
        self._news_for_the_desk(meeting)
        kenya_element = Proposal.objects.get(
            document=meeting.document, delegation__code="ken", status=ProposalStatus.SUBMITTED
        ).element
        to_propose = {
            name: Element.objects.get(document=meeting.document, text=text)
            for name, text in (
                ("theme", "Regional roadmaps"),
                ("deleted", "Trans-shipment"),
                ("bracketed", "Life-cycle management"),
            )
        }
        to_propose["placeholder"] = Element.objects.get(
            document=meeting.document,
            parent=to_propose["theme"].parent,
            kind=ElementKind.PLACEHOLDER,
        )
        # The EU's accepted amendment left brackets in its theme.
        to_propose["with_brackets"] = Proposal.objects.get(
            document=meeting.document, delegation__code="eu"
        ).element
        pdf = output / "tour-pdf-source.pdf"
        call_command(
            "export_revision", "bms7", "0", "--format", "pdf", "-o", str(pdf), stderr=StringIO()
        )
        try:
            subprocess.run(  # noqa: S603 - fixed arguments
                [
                    shutil.which("pdftoppm") or "pdftoppm",
                    "-png",
                    "-r",
                    "110",
                    "-f",
                    "3",
                    "-l",
                    "3",
                    "-singlefile",
                    str(pdf),
                    str(output / "tour-8-pdf"),
                ],
                check=True,
            )
        finally:
            pdf.unlink()
        _shrink(output / "tour-8-pdf.png")

        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=settings.BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self._wait_for(port)
            self._browse(f"http://127.0.0.1:{port}", output, kenya_element, to_propose)
        finally:
            server.terminate()
            server.wait(timeout=10)
        for path in sorted(output.glob("tour-*.png")):
            self.stdout.write(f"{path} ({path.stat().st_size // 1024} KB)")

    @staticmethod
    def _news_for_the_desk(meeting) -> None:
        """Beyond the demo's data: the chair accepts the EU's amendment (the working draft
        then differs from the zero draft) and rejects a second proposal of Kenya's, with a
        note, since Kenya's delegate last looked; Japan's proposal waits for Kenya's
        position."""
        import uuid
        from datetime import timedelta

        from django.utils import timezone

        from drafting.models import Element, MeetingVisit, Proposal, ProposalKind
        from drafting.services.decisions import proposal_accept, proposal_reject
        from drafting.services.proposals import ProposalContent, proposal_create

        users = {user.username: user for user in get_user_model().objects.all()}
        document = meeting.document
        MeetingVisit.objects.update_or_create(
            user=users["kenya"],
            meeting=meeting,
            defaults={"last_visit_at": timezone.now() - timedelta(days=1)},
        )
        accepted = Proposal.objects.get(document=document, delegation__code="eu")
        proposal_accept(user=users["chair"], proposals=[accepted], note="Agreed language.")
        for username, text, proposed in (
            (
                "kenya",
                "Regional best practices",
                "Regional best practices [and lessons learned]",
            ),
            (
                "japan",
                "Illicit online trafficking",
                "Illicit online trafficking[, including through darknet markets]",
            ),
        ):
            proposal_create(
                user=users[username],
                element=Element.objects.get(document=document, text=text),
                content=ProposalContent(kind=ProposalKind.AMEND, proposed_text=proposed),
                idempotency_key=uuid.uuid4(),
                submit=True,
            )
        rejected = Proposal.objects.get(
            document=document, delegation__code="ken", element__text="Regional best practices"
        )
        proposal_reject(
            user=users["chair"],
            proposal=rejected,
            note="Lessons learned are covered under the Way Forward.",
        )

    @staticmethod
    def _wait_for(port: int) -> None:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError("The development server did not start.")

    def _browse(self, base: str, output: Path, reviewed, to_propose) -> None:
        from playwright.sync_api import expect, sync_playwright

        def sign_in(page, username: str) -> None:
            page.goto(f"{base}/accounts/login/")
            page.get_by_label("Username").fill(username)
            page.get_by_label("Password").fill("bms7-demo")
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state()

        def shot(page, name: str, height: int = 760) -> None:
            path = output / f"{name}.png"
            page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
            _shrink(path)

        def shot_between(page, name: str, top: str, bottom: str, *, below: bool = True) -> None:
            """From the top of ``top`` to the bottom of ``bottom`` (to its top when not
            ``below``), the page's whole width."""
            box = page.evaluate(
                """([top, bottom, below]) => {
                    const first = document.querySelector(top).getBoundingClientRect();
                    const last = document.querySelector(bottom).getBoundingClientRect();
                    return {y: first.top + scrollY - 16,
                            end: (below ? last.bottom + 16 : last.top - 4) + scrollY,
                            width: document.documentElement.clientWidth};
                }""",
                [top, bottom, below],
            )
            path = output / f"{name}.png"
            clip = {"x": 0, "y": box["y"], "width": box["width"], "height": box["end"] - box["y"]}
            page.screenshot(path=str(path), full_page=True, clip=clip)
            _shrink(path)

        def form(page, element, name: str, kind_label: str | None, text: str | None) -> None:
            """The proposal form for one kind, from its heading to the rationale."""
            page.goto(f"{base}/m/bms7/elements/{element.pk}/propose/")
            if kind_label:
                page.get_by_label(kind_label, exact=True).check()
            if text is not None:
                page.locator("#id_proposed_text").fill(text)
                # The preview of the text typed, not the one asked for when the kind changed
                # (of the text before it was typed, which it finds unchanged).
                preview = page.locator("#diff-preview")
                expect(preview.locator(".field-problems")).to_have_count(0)
                expect(preview.locator(".diff-text")).to_contain_text(text[-12:])
                preview.locator("ins, del").first.wait_for()
            page.mouse.click(5, 5)  # no focus ring on the box
            bottom = "#field-rationale"
            if name == "tour-3-form-comment":
                page.locator("#id_rationale").fill(
                    "Kenya would welcome a reference to the African Union's roadmap on "
                    "Silencing the Guns."
                )
                page.mouse.click(5, 5)
                bottom = "#field-rationale"
            shot_between(page, name, "h1", bottom, below=name == "tour-3-form-comment")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                delegate = browser.new_page(viewport={"width": WIDTH, "height": 900})
                sign_in(delegate, "kenya")
                shot_between(delegate, "tour-2-desk", "h1", "#positions-title + table")
                delegate.goto(f"{base}/m/bms7/draft/")
                shot(delegate, "tour-1-working-draft")
                delegate.set_viewport_size({"width": FORM_WIDTH, "height": 900})
                theme = to_propose["theme"]
                form(
                    delegate,
                    theme,
                    "tour-3-form-amend",
                    None,
                    "Regional roadmaps [and their national action plans], reviewed every two years",
                )
                form(
                    delegate,
                    theme,
                    "tour-3-form-insert",
                    "insert a new element after this one",
                    "Regional [and subregional] roadmaps on ammunition management",
                )
                form(
                    delegate,
                    to_propose["placeholder"],
                    "tour-3-form-fill",
                    None,
                    "Regional centres of excellence [for stockpile management]",
                )
                form(
                    delegate,
                    to_propose["deleted"],
                    "tour-3-form-delete",
                    "delete the element",
                    None,
                )
                form(
                    delegate,
                    to_propose["bracketed"],
                    "tour-3-form-add-brackets",
                    "add brackets",
                    "[Life-cycle management]",
                )
                bracketed = to_propose["with_brackets"]
                form(
                    delegate,
                    bracketed,
                    "tour-3-form-remove-brackets",
                    "remove brackets (agree the language)",
                    bracketed.text.replace("[", "").replace("]", ""),
                )
                form(
                    delegate,
                    theme,
                    "tour-3-form-comment",
                    "comment without changing the text",
                    None,
                )
                delegate.set_viewport_size({"width": WIDTH, "height": 900})
                delegate.goto(f"{base}/m/bms7/search/?query=ammunition")
                shot_between(delegate, "tour-6-search", "h1", "#in-proposals + ol")
                chair = browser.new_page(viewport={"width": WIDTH, "height": 900})
                sign_in(chair, "chair")
                chair.goto(f"{base}/m/bms7/compilation/")
                shot_between(chair, "tour-4-compilation", "h1", "#compilation-rows > :nth-child(3)")
                chair.goto(f"{base}/m/bms7/elements/{reviewed.pk}/review/")
                shot(chair, "tour-5-review")
                chair.goto(f"{base}/m/bms7/compare/?from=0&to=draft")
                chair.get_by_text("[full, equal and meaningful]").first.evaluate(
                    "e => e.scrollIntoView({block: 'center'})"
                )
                chair.screenshot(path=str(output / "tour-7-redline.png"))
                _shrink(output / "tour-7-redline.png")
            finally:
                browser.close()
