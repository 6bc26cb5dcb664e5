"""What parts of the revision PDF's style cost: the same HTML under variants of static/pdf/un.css.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bms7_bench \
        python3 -m uv run python benchmarks/pdf_css.py [--copies 6 --rounds 3]

The BMS7 zero draft's annex repeated ``--copies`` times (a synthetic revision, not saved) is
rendered under each variant in turn, ``--rounds`` times over, interleaved so that a busy
moment of a shared host falls on all variants alike; the least CPU time per page of each
variant is printed (the least is the steadiest figure for deterministic work). Printed,
never asserted. Variants are made from the stylesheet as it is: a variant whose change no
longer applies is reported and skipped.
"""

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-benchmark-only-secret")

import django

django.setup()

from weasyprint import HTML

from benchmarks.pdf import ensure_bms7, synthetic_revision
from drafting.exports import pdfs

MARGIN_FONT = 'font: 9pt "Liberation Serif", "Noto Serif", serif;'
FAMILIES = '"Liberation Serif", "Noto Serif", "Noto Naskh Arabic", "Noto Serif CJK SC", serif'
# name: the (text, replacement) pairs that make the variant; None: the stylesheet as it is.
VARIANTS = {
    "as it is": None,
    "overflow-wrap: anywhere everywhere": [
        ("html { overflow-wrap: break-word; }", "html { overflow-wrap: anywhere; }")
    ],
    "no overflow-wrap (long words run off)": [("html { overflow-wrap: break-word; }", "")],
    "one font family": [(FAMILIES, '"Liberation Serif", serif')],
    "margin boxes sized only": [(MARGIN_FONT, "font-size: 9pt;")],
    "no running header and footer": [
        ("content: string(symbol);", "content: none;"),
        ("content: string(doclabel);", "content: none;"),
        ('content: counter(page) "/" counter(pages);', "content: none;"),
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ensure_bms7()
    meeting, revision = synthetic_revision(args.copies)
    html = pdfs.revision_html(meeting, revision)
    base = (pdfs.PDF_ASSETS / "un.css").read_text(encoding="utf-8")
    folder = Path(tempfile.mkdtemp(prefix="bms7-css-"))
    sheets = {}
    for index, (name, change) in enumerate(VARIANTS.items()):
        css = base
        missing = [old for old, _new in change or () if old not in base]
        if missing:
            print(f"  {name}: skipped (the stylesheet no longer has {missing[0]!r})")
            continue
        for old, new in change or ():
            css = css.replace(old, new)
        (folder / f"v{index}.css").write_text(css, encoding="utf-8")
        sheets[name] = html.replace('href="un.css"', f'href="v{index}.css"')
    sheets["untagged (no PDF/UA)"] = html.replace('href="un.css"', 'href="v0.css"')

    def render(name: str) -> float:
        variant = None if name.startswith("untagged") else pdfs.PDF_VARIANT
        # The benchmark's own files, read by WeasyPrint's default fetcher from a temporary folder.
        document_html = HTML(string=sheets[name], base_url=folder.as_uri() + "/")
        gc.disable()
        started = time.process_time()
        document = document_html.render(pdf_variant=variant)
        document.write_pdf(pdf_variant=variant)
        spent = time.process_time() - started
        gc.enable()
        gc.collect()
        return spent / len(document.pages)

    render("as it is")  # warm-up: fonts, caches
    best = {name: float("inf") for name in sheets}
    for _round in range(args.rounds):
        for name in sheets:
            best[name] = min(best[name], render(name))
    reference = best["as it is"]
    for name, per_page in best.items():
        print(
            f"  {name:<36} {per_page:.4f} s/page CPU (least of {args.rounds}), "
            f"{100 * (per_page / reference - 1):+.0f}% against the stylesheet as it is"
        )


if __name__ == "__main__":
    main()
