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
        from drafting.models import Element, Meeting, Proposal
        from drafting.services.decisions import proposal_accept

        call_command("demo", no_serve=True, stdout=StringIO())
        meeting = Meeting.objects.select_related("document").get(slug="bms7")
        chair = get_user_model().objects.get(username="chair")
        accepted = Proposal.objects.get(document=meeting.document, delegation__code="eu")
        proposal_accept(user=chair, proposals=[accepted], note="Agreed language.")
        kenya_element = Proposal.objects.get(
            document=meeting.document, delegation__code="ken"
        ).element
        to_propose = Element.objects.get(document=meeting.document, text="Regional roadmaps")
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
                    str(output / "tour-5-pdf"),
                ],
                check=True,
            )
        finally:
            pdf.unlink()
        _shrink(output / "tour-5-pdf.png")

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
    def _wait_for(port: int) -> None:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise CommandError("The development server did not start.")

    def _browse(self, base: str, output: Path, reviewed, to_propose) -> None:
        from playwright.sync_api import sync_playwright

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

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            try:
                delegate = browser.new_page(viewport={"width": WIDTH, "height": 900})
                sign_in(delegate, "kenya")
                delegate.goto(f"{base}/m/bms7/draft/")
                shot(delegate, "tour-1-working-draft")
                delegate.goto(f"{base}/m/bms7/elements/{to_propose.pk}/propose/")
                delegate.locator("#id_proposed_text").fill(
                    "Regional roadmaps [and their national action plans], reviewed every two years"
                )
                delegate.locator("#diff-preview").get_by_text("national action plans").wait_for()
                shot(delegate, "tour-2-proposal-form", height=900)
                chair = browser.new_page(viewport={"width": WIDTH, "height": 900})
                sign_in(chair, "chair")
                chair.goto(f"{base}/m/bms7/compilation/")
                chair.wait_for_load_state("networkidle")
                chair.mouse.move(600, 500)
                chair.mouse.wheel(0, 560)
                chair.wait_for_timeout(500)
                chair.screenshot(path=str(output / "tour-3-compilation.png"))
                _shrink(output / "tour-3-compilation.png")
                chair.goto(f"{base}/m/bms7/elements/{reviewed.pk}/review/")
                shot(chair, "tour-4-review")
                chair.goto(f"{base}/m/bms7/compare/?from=0&to=draft")
                chair.get_by_text("[full, equal and meaningful]").first.evaluate(
                    "e => e.scrollIntoView({block: 'center'})"
                )
                chair.screenshot(path=str(output / "tour-6-redline.png"))
                _shrink(output / "tour-6-redline.png")
            finally:
                browser.close()
