"""Revision PDF speed and memory: the BMS7 zero draft, ~60 and ~400 page synthetic revisions.

    python3 -m uv run python benchmarks/pdf.py [--sizes 1 16 110]

Each size is the BMS7 zero draft's annex repeated that many times (a synthetic revision, not
saved), rendered in a fresh child process: seconds per page for our export, for WeasyPrint
alone on the same HTML, and the child's peak memory. Printed, never asserted.
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


def child(copies: int) -> None:
    meeting, revision = synthetic_revision(copies)
    from weasyprint import HTML

    from drafting import pdfs
    from drafting.models import Revision
    from drafting.text.snapshot import iter_elements

    zero = Revision.objects.get(document=meeting.document, number=0)
    elements = revision.snapshot["elements"]
    # Warm up fonts and caches (fontconfig, WeasyPrint's CSS) so neither render pays for them.
    HTML(string="<p>warm-up</p>").write_pdf()
    pdfs.render_pdf(meeting, zero)

    def timed(render):
        wall, cpu = time.perf_counter(), time.process_time()
        result = render()
        return result, time.perf_counter() - wall, time.process_time() - cpu

    rendered, ours, ours_cpu = timed(lambda: pdfs.render_pdf(meeting, revision))
    html = pdfs.revision_html(meeting, revision)
    _, alone, alone_cpu = timed(
        lambda: HTML(
            string=html,
            base_url=pdfs.PDF_ASSETS.as_uri() + "/",
            url_fetcher=pdfs.StaticOnlyFetcher(),
        ).write_pdf(pdf_variant=pdfs.PDF_VARIANT)
    )
    # The machine's calibration: the same words as plain untagged paragraphs, default styles.
    plain_html = "".join(
        f"<p>{escape(element.get('text', ''))}</p>"
        for top in elements
        for element, _depth in iter_elements([top])
    )
    plain_document = HTML(string=f"<html><body>{plain_html}</body></html>").render()
    plain_pages = len(plain_document.pages)
    _, _plain_wall, plain_cpu = timed(
        lambda: HTML(string=f"<html><body>{plain_html}</body></html>").write_pdf()
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "copies": copies,
                "pages": rendered.pages,
                "ours": ours,
                "ours_cpu": ours_cpu,
                "alone": alone,
                "alone_cpu": alone_cpu,
                "plain_pages": plain_pages,
                "plain_cpu": plain_cpu,
                "peak_mb": peak_mb,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", type=int, default=[1, 16, 110])
    parser.add_argument("--child", type=int)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    ensure_bms7()
    for copies in args.sizes:
        out = (
            subprocess.run(  # noqa: S603 - this script, with a number
                [sys.executable, __file__, "--child", str(copies)],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        row = json.loads(out)
        pages = row["pages"]
        print(
            f"{pages:4d} pages: ours {row['ours'] / pages:.3f} s/page wall, "
            f"{row['ours_cpu'] / pages:.3f} s/page CPU; WeasyPrint alone on the same HTML "
            f"{row['alone_cpu'] / pages:.3f} s/page CPU; "
            f"overhead {100 * (row['ours_cpu'] / row['alone_cpu'] - 1):.0f}% (CPU); "
            f"plain untagged paragraphs {row['plain_cpu'] / row['plain_pages']:.3f} s/page CPU "
            f"({row['plain_pages']} pages); peak memory {row['peak_mb']:.0f} MB"
        )


if __name__ == "__main__":
    main()
