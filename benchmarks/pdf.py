"""Revision PDF speed and memory: the BMS7 zero draft, ~60 and ~400 page synthetic revisions.

    python3 -m uv run python benchmarks/pdf.py [--sizes 1 16 110] [--rounds 2]

Each size is the BMS7 zero draft's annex repeated that many times (a synthetic revision, not
saved), rendered in a fresh child process: CPU seconds per page for our revision export, for
WeasyPrint alone on the same HTML, for the redline against a synthetic predecessor with word
edits in three elements of four, and for the same words as plain untagged paragraphs (the
machine's calibration), with the child's peak memory. Printed, never asserted. The fonts of
static/pdf/un.css must be installed (the script says so and stops if they are not).
"""

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import time
from html import escape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-benchmark-only-secret")
    import django

    django.setup()


def ensure_bms7() -> None:
    """Migrate the database and load the BMS7 zero draft if it is not there (an empty
    scratch database works)."""
    _setup()
    from django.core.management import call_command

    from drafting.models import Meeting

    call_command("migrate", verbosity=0)
    if not Meeting.objects.filter(slug="bms7").exists():
        call_command("loaddata", "bms7", verbosity=0)


def synthetic_revision(copies: int):
    """The BMS7 meeting and an unsaved revision whose annex is the zero draft's, ``copies``
    times over (Django is set up here if it is not yet)."""
    _setup()
    from drafting.models import Meeting, Revision
    from drafting.text.snapshot import iter_elements

    meeting = Meeting.objects.select_related("document").get(slug="bms7")
    zero = Revision.objects.get(document=meeting.document, number=0)
    snapshot = copy.deepcopy(zero.snapshot)
    elements, next_id = [], 1
    for _copy in range(copies):
        for top in copy.deepcopy(zero.snapshot["elements"]):
            for element, _depth in iter_elements([top]):
                element["id"] = next_id
                next_id += 1
            elements.append(top)
    snapshot["elements"] = elements
    return meeting, Revision(
        document=meeting.document,
        number=99,
        label="Rev.99",
        symbol=f"{zero.symbol}/Rev.99",
        issued_at=zero.issued_at,
        cover_letter=zero.cover_letter,
        signatory=zero.signatory,
        snapshot=snapshot,
        content_hash="0" * 64,
    )


def edited(revision, number: int):
    """An unsaved revision after ``revision``: its text with word-level edits in three
    elements of four (words inserted, words deleted, a bracket removed), so that its redline
    against ``revision`` is as dense as a busy revision's."""
    from drafting.models import Revision
    from drafting.text.snapshot import iter_elements

    snapshot = copy.deepcopy(revision.snapshot)
    index = 0
    for top in snapshot["elements"]:
        for element, _depth in iter_elements([top]):
            words = element.get("text", "").split(" ")
            if len(words) >= 6:
                if index % 4 == 0:
                    words[3:3] = ["and", "its", "regional", "instruments"]
                elif index % 4 == 1:
                    del words[2:4]
                elif index % 4 == 2:
                    words = [word.replace("[", "").replace("]", "") for word in words]
                element["text"] = " ".join(words)
            index += 1
    return Revision(
        document=revision.document,
        number=number,
        label=f"Rev.{number}",
        symbol=revision.symbol.rsplit("/Rev.", 1)[0] + f"/Rev.{number}",
        issued_at=revision.issued_at,
        cover_letter=revision.cover_letter,
        signatory=revision.signatory,
        snapshot=snapshot,
        content_hash="1" * 64,
    )


def child(copies: int, rounds: int) -> None:
    meeting, previous = synthetic_revision(copies)
    from weasyprint import HTML

    from drafting.exports import pdfs
    from drafting.models import Revision
    from drafting.text.snapshot import iter_elements

    revision = edited(previous, previous.number + 1)
    zero = Revision.objects.get(document=meeting.document, number=0)
    # Warm up fonts and caches (fontconfig, WeasyPrint's CSS) so no render pays for them.
    HTML(string="<p>warm-up</p>").write_pdf()
    pdfs.render_pdf(meeting, zero)
    plain_body = "".join(
        f"<p>{escape(element.get('text', ''))}</p>"
        for top in revision.snapshot["elements"]
        for element, _depth in iter_elements([top])
    )
    plain_html = f"<html><body>{plain_body}</body></html>"

    def ours():  # the export's own path: the HTML from the snapshot, then the PDF
        return pdfs.render_pdf(meeting, revision).pages

    html = pdfs.revision_html(meeting, revision)

    def alone():  # WeasyPrint alone on the same HTML (made beforehand), as it comes
        document = HTML(
            string=html,
            base_url=pdfs.PDF_ASSETS.as_uri() + "/",
            url_fetcher=pdfs.StaticOnlyFetcher(),
        ).render(pdf_variant=pdfs.PDF_VARIANT)
        document.write_pdf(pdf_variant=pdfs.PDF_VARIANT)
        return len(document.pages)

    def redline():  # the redline's path, against the synthetic previous revision
        html = pdfs.redline_against(meeting, revision, previous)
        return pdfs.pdf_from_html(html, pdfs.pdf_identifier(revision, "redline")).pages

    def plain():  # the machine's calibration: the same words as plain untagged paragraphs
        document = HTML(string=plain_html).render()
        document.write_pdf()
        return len(document.pages)

    # A worker's memory for one export: the process's peak after its first export of the
    # revision (the warm-up's six pages before it are small).
    ours()
    export_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    renders = {"ours": ours, "alone": alone, "redline": redline, "plain": plain}
    best = {name: (float("inf"), float("inf"), 0) for name in renders}
    # Interleaved rounds, so that a busy moment of a shared host falls on each alike; the least
    # time of each is kept (the steadiest figure for deterministic work).
    for _round in range(rounds):
        for name, render in renders.items():
            wall, cpu = time.perf_counter(), time.process_time()
            pages = render()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu), pages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"best": best, "export_mb": export_mb, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 16, 110])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds)
        return
    sys.path.insert(0, str(ROOT))
    from drafting.exports.fonts import PDF_FONT_PACKAGES, missing_pdf_fonts

    missing = missing_pdf_fonts()
    if missing:
        sys.exit(
            f"fonts missing: {', '.join(missing)} (Debian: {PDF_FONT_PACKAGES}; .ci/run "
            "installs them). Without them the figures would be for substitute fonts."
        )
    ensure_bms7()
    print(
        f"CPU seconds per page, least of {args.rounds} interleaved rounds, each size in a "
        "fresh process; the redline is of the revision against its synthetic predecessor."
    )
    for copies in args.sizes:
        out = (
            subprocess.run(  # noqa: S603 - this script, with numbers
                [sys.executable, __file__, "--child", str(copies), "--rounds", str(args.rounds)],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        row = json.loads(out)
        per_page = {name: cpu / pages for name, (_wall, cpu, pages) in row["best"].items()}
        pages = {name: pages for name, (_wall, _cpu, pages) in row["best"].items()}
        print(
            f"{pages['ours']:4d} pages: revision {per_page['ours']:.3f} s/page; WeasyPrint "
            f"alone on the same HTML {per_page['alone']:.3f} "
            f"(our overhead {100 * (per_page['ours'] / per_page['alone'] - 1):+.0f}%); "
            f"redline {per_page['redline']:.3f} ({pages['redline']} pages); plain untagged "
            f"paragraphs {per_page['plain']:.3f} ({pages['plain']} pages); revision to plain "
            f"{per_page['ours'] / per_page['plain']:.1f}x; memory after one export "
            f"{row['export_mb']:.0f} MB (after all {row['peak_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
