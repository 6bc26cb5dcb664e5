"""Word file speed and memory, as ratios to their targets, in one run.

    .ci/uv run --frozen python benchmarks/word_files.py [--copies 110] [--rounds 3]

- The redline .docx of a ~400-page revision (the BMS7 zero draft's annex ``--copies`` times,
  edited in three elements of four: benchmarks/pdf.py's synthetic revisions) against the PDF
  redline of the same two revisions: target under 0.5x.
- The zero draft's .docx: target under 200 ms.
- Memory at scale 1 (400 elements, 5,000 proposals, 20,000 marks): the peak of a fresh
  process making the zero draft, its 400-element redline and a compilation of 5,000 synthetic
  proposals on 400 elements (the heaviest Word file): target under 300 MB.

Each measure runs in a fresh child process (the PDF's memory never counts against the
Word files'). Wall-clock seconds, least of ``--rounds``. Printed, never asserted.
"""

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
# This script's folder comes first on the path, and its name would hide python-docx: out.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))
_spec = importlib.util.spec_from_file_location("benchmark_pdf", ROOT / "benchmarks" / "pdf.py")
assert _spec is not None and _spec.loader is not None
pdf_benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pdf_benchmark)
edited, synthetic_revision, ensure_bms7 = (
    pdf_benchmark.edited,
    pdf_benchmark.synthetic_revision,
    pdf_benchmark.ensure_bms7,
)


def _best(function, rounds: int) -> float:
    times = []
    for _round in range(rounds):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def child_word(copies: int, rounds: int) -> dict:
    from drafting.exports import docx_export
    from drafting.models import Revision

    meeting, previous = synthetic_revision(copies)
    revision = edited(previous, previous.number + 1)
    zero = Revision.objects.get(document=meeting.document, number=0)
    docx_export.revision_docx(meeting, zero)  # imports and python-docx's template, once
    zero_seconds = _best(lambda: docx_export.revision_docx(meeting, zero), rounds)
    redline_seconds = _best(lambda: docx_export.redline_docx(meeting, revision, previous), rounds)
    size = len(docx_export.redline_docx(meeting, revision, previous))
    return {"zero": zero_seconds, "redline": redline_seconds, "bytes": size}


def child_pdf(copies: int, rounds: int) -> dict:
    from drafting.exports import pdfs

    meeting, previous = synthetic_revision(copies)
    revision = edited(previous, previous.number + 1)
    pdfs.render_pdf(meeting, previous.__class__.objects.get(document=meeting.document, number=0))
    pages = 0

    def redline() -> None:
        nonlocal pages
        html = pdfs.redline_against(meeting, revision, previous)
        pages = pdfs.pdf_from_html(html, pdfs.pdf_identifier(revision, "redline")).pages

    return {"redline": _best(redline, rounds), "pages": pages}


def _scale_1_compilation_rows(revision, proposals: int = 5000, marks_each: int = 4):
    """400 elements' rows with 5,000 proposals spread unevenly (a fifth on one element) and
    20,000 marks: plain objects with what the compilation reads of proposals."""
    from drafting.render import presenters
    from drafting.text import snapshot as snapshots
    from drafting.text.diff import word_diff

    view = presenters.present(snapshots.clean_snapshot(revision.snapshot))
    rows, _ = presenters.compile_rows(view, [])
    rows = rows[:400]
    names = [f"Delegation {n}" for n in range(200)]
    for number in range(proposals):
        row = rows[0] if number % 5 == 0 else rows[number % len(rows)]
        text = row.element.text or "empty"
        proposal = SimpleNamespace(
            delegation=SimpleNamespace(name=names[number % 200]),
            on_behalf_of_id=None,
            on_behalf_of=None,
            kind="amend",
            rationale="Because the text should say so.",
            submitted_at=revision.issued_at,
            status_label="submitted",
            get_kind_display=lambda: "amend the text",
        )
        marks = presenters.summarise_marks(
            [
                presenters.MarkEntry(names[(number + k) % 200], "support", "", 1)
                for k in range(1, marks_each + 1)
            ],
            1,
        )
        row.proposals.append(
            presenters.CompiledProposal(
                proposal, word_diff(text, f"{text} and its [regional] instruments"), marks
            )
        )
    return rows


def child_memory(copies: int) -> dict:
    from drafting.exports import docx_export
    from drafting.models import Revision

    meeting, previous = synthetic_revision(copies)
    revision = edited(previous, previous.number + 1)
    zero = Revision.objects.get(document=meeting.document, number=0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    docx_export.revision_docx(meeting, zero)
    docx_export.redline_docx(meeting, revision, previous)
    rows = _scale_1_compilation_rows(previous)
    start = time.perf_counter()
    size = len(docx_export.compilation_docx(meeting, previous, rows, previous.issued_at))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"before_mb": before, "peak_mb": peak, "compilation_seconds": seconds, "bytes": size}


def _child(*arguments: str) -> dict:
    out = subprocess.run(  # noqa: S603 - this script, with our own arguments
        [sys.executable, __file__, *arguments],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=110)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["word", "pdf", "memory"])
    args = parser.parse_args()
    if args.child:
        ensure_bms7()
        if args.child == "word":
            result = child_word(args.copies, args.rounds)
        elif args.child == "pdf":
            result = child_pdf(args.copies, args.rounds)
        else:
            result = child_memory(args.copies)
        print(json.dumps(result))
        return
    ensure_bms7()
    size = ["--copies", str(args.copies)]
    word = _child("--child", "word", *size, "--rounds", str(args.rounds))
    pdf = _child("--child", "pdf", *size, "--rounds", "1")
    memory = _child("--child", "memory", "--copies", "4")  # 4 copies: about 400 elements
    ratio = word["redline"] / pdf["redline"]
    print(
        f"redline of {pdf['pages']} pages: .docx {word['redline']:.2f} s "
        f"({word['bytes'] / 1e6:.1f} MB), PDF {pdf['redline']:.2f} s: ratio {ratio:.3f} "
        f"(target < 0.5: {'met' if ratio < 0.5 else 'NOT met'})"
    )
    print(
        f"zero draft .docx: {1000 * word['zero']:.0f} ms "
        f"(target < 200 ms: ratio {word['zero'] / 0.2:.2f}, "
        f"{'met' if word['zero'] < 0.2 else 'NOT met'})"
    )
    print(
        f"memory at scale 1 (zero draft, 400-element redline, compilation of 5,000 proposals "
        f"in {memory['compilation_seconds']:.2f} s, {memory['bytes'] / 1e6:.1f} MB): peak "
        f"{memory['peak_mb']:.0f} MB, {memory['before_mb']:.0f} MB of it Django and the data "
        f"(target < 300 MB: ratio {memory['peak_mb'] / 300:.2f}, "
        f"{'met' if memory['peak_mb'] < 300 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
