"""Page and workflow benchmarks on generated negotiations: medians, p95, query counts, floors.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bms7_bench \
        python3 -m uv run python benchmarks/run.py --scales 0.1 1 [--runs 15]

Generates the synthetic meetings it needs (``generate_negotiation``) into the database named
by DATABASE_URL (use a scratch one: it writes proposals, decisions and revisions), then
measures server time in-process through Django's test client. Each page is also compared with
its floor: a bare Django view, behind the same middleware and sign-in, rendering the same
number of rows from a plain template (what the framework itself costs for that page).
Timings are printed, never asserted.
"""

import argparse
import gc
import os
import statistics
import sys
import time
import types
import uuid
from importlib import import_module
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bms7.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-benchmark-only-secret")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
# The chair in these benchmarks signs in with force_login, without a second factor.
os.environ.setdefault("OTP_REQUIRED", "0")

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches, path
from weasyprint import HTML

from drafting.exports import pdfs
from drafting.models import (
    DelegateProfile,
    Element,
    Meeting,
    Proposal,
    ProposalStatus,
    Revision,
)
from drafting.services.decisions import proposal_accept
from drafting.services.revisions import revision_issue

FLOOR = Template("<ul>{% for row in rows %}<li>{{ row.0 }} {{ row.1 }}</li>{% endfor %}</ul>")


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def _measure(action, runs: int) -> tuple[float, float, int]:
    action()  # warm up
    samples, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            samples.append(time.perf_counter() - started)
        queries = len(captured)
    median, p95 = _stats(samples)
    return median, p95, queries


def floor_view(request, rows: int):
    """The framework's floor: a bare Django view behind the same middleware (session,
    authentication, CSRF, security headers) and sign-in, one query for ``rows`` rows,
    rendered by a plain template."""
    if not request.user.is_authenticated:
        return HttpResponse(status=403)
    data = (
        list(Proposal.objects.order_by("pk").values_list("id", "proposed_text")[:rows])
        if rows
        else []
    )
    return HttpResponse(FLOOR.render(Context({"rows": data})))


# The project's URLs plus the floor view, for these measurements only.
_urls = types.ModuleType("benchmark_urls")
_urls.urlpatterns = [
    path("__floor__/<int:rows>/", floor_view),
    *import_module(settings.ROOT_URLCONF).urlpatterns,
]
sys.modules["benchmark_urls"] = _urls
settings.ROOT_URLCONF = "benchmark_urls"
clear_url_caches()


def _floor(client, rows: int, runs: int) -> float:
    """Median time of the floor view for ``rows`` rows, requested as the page was."""

    def bare() -> None:
        response = client.get(f"/__floor__/{rows}/")
        assert response.status_code == 200, response.status_code

    return _measure(bare, runs)[0]


def _row(name: str, median: float, p95: float, queries: int, floor: float | None) -> str:
    ratio = f"{median / floor:6.1f}x" if floor else "     -"
    return (
        f"  {name:<38} median {median:9.1f} ms   p95 {p95:9.1f} ms   "
        f"queries {queries:4d}   floor ratio {ratio}"
    )


def _bench_submit(document, base: str, as_delegate: Client, runs: int) -> None:
    """Submitting a proposal through the form, ``runs`` times, on the first theme."""
    target = Element.objects.filter(document=document, kind="theme").order_by("pk").first()

    def submit() -> None:
        response = as_delegate.post(
            f"{base}/elements/{target.pk}/propose/",
            {
                "kind": "amend",
                "proposed_text": target.text + " [as appropriate]",
                "base_text_seen": target.text,
                "idempotency_key": str(uuid.uuid4()),
                "action": "submit",
            },
        )
        assert response.status_code == 302, response.status_code

    median, p95, queries = _measure(submit, runs)
    print(_row("submit a proposal", median, p95, queries, None))


def bench_scale(scale: float, runs: int, only: str = "") -> None:
    slug = f"synth-{scale:g}".replace(".", "_")
    if not Meeting.objects.filter(slug=slug).exists():
        started = time.perf_counter()
        call_command("generate_negotiation", "--scale", str(scale))
        print(f"  (generated {slug} in {time.perf_counter() - started:.1f} s)")
    meeting = Meeting.objects.select_related("document").get(slug=slug)
    document = meeting.document
    # The generator leaves a large heap behind; a server process has none. Freeze it so that
    # the collector does not walk it during the measurements (it doubled some p95s).
    gc.collect()
    gc.freeze()
    elements = Element.objects.filter(document=document).count()
    proposals = Proposal.objects.filter(document=document).count()
    print(
        f"\nscale {scale:g}: {elements} elements, {proposals} proposals, "
        f"{Revision.objects.filter(document=document).count()} revisions"
    )

    chair_name = f"{slug}-chair"
    busiest = (
        Proposal.objects.filter(document=document)
        .values("delegation_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    delegate = (
        DelegateProfile.objects.select_related("user")
        .filter(delegation_id=busiest["delegation_id"], user__username__startswith=slug)
        .first()
        .user
    )
    hottest = (
        Proposal.objects.filter(document=document, status=ProposalStatus.SUBMITTED)
        .values("element_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    item = (
        Element.objects.filter(document=document, kind="agenda_item").order_by("position").first()
    )
    as_delegate, as_chair = Client(), Client()
    as_delegate.force_login(delegate)
    from django.contrib.auth import get_user_model

    chair = get_user_model().objects.get(username=chair_name)
    as_chair.force_login(chair)
    base = f"/m/{slug}"

    def page(client, url):
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    item_proposals = Proposal.objects.filter(
        document=document, element__parent__parent=item
    ).count()
    cases = [
        ("working draft", as_delegate, f"{base}/draft/", elements),
        (
            "one agenda item's compilation",
            as_delegate,
            f"{base}/compilation/?item={item.pk}",
            item_proposals,
        ),
        ("full compilation", as_delegate, f"{base}/compilation/", proposals),
        # Every element, with or without proposals (the page's default before #18.5).
        (
            "full compilation, every element",
            as_delegate,
            f"{base}/compilation/?show=all",
            proposals,
        ),
        ("full compilation, the chair's", as_chair, f"{base}/compilation/", proposals),
        ("working draft, the chair's (with its tools)", as_chair, f"{base}/draft/", elements),
        ("delegation page", as_delegate, f"{base}/delegation/", busiest["n"]),
        # Where sign-in lands a delegate; its lists are bounded (`selectors.desk.DESK_LIMIT`).
        ("delegate's desk", as_delegate, f"{base}/desk/", 50),
        ("chair's desk", as_chair, f"{base}/desk/", 50),
        (
            f"review and compose ({hottest['n']} proposals)",
            as_chair,
            f"{base}/elements/{hottest['element_id']}/review/",
            hottest["n"],
        ),
        ("compare Zero draft to Rev.9", as_delegate, f"{base}/compare/?from=0&to=9", elements),
        # A common word fills every kind of result (50 of each); a rare one reads the same
        # indexes and finds little.
        ("search, a common word", as_delegate, f"{base}/search/?query=weapons", 150),
        ("search, a rare word", as_delegate, f"{base}/search/?query=quokka", 1),
        (
            "search submitted proposals",
            as_chair,
            f"{base}/search/?query=weapons&where=proposals&status=submitted",
            50,
        ),
    ]
    for name, client, url, rows in cases:
        if only not in name:
            continue
        action = page(client, url)
        count = max(3, runs // 3) if proposals > 10_000 and "full" in name else runs
        median, p95, queries = _measure(action, count)
        print(_row(name, median, p95, queries, _floor(client, rows, count)))

    if not only or only in "submit a proposal":
        _bench_submit(document, base, as_delegate, runs)
    if only and only not in "accept a proposal (service)":
        return

    pending = list(
        Proposal.objects.filter(
            document=document, status=ProposalStatus.SUBMITTED, kind="comment"
        ).select_related("delegation", "document")[: runs + 1]
    )

    def accept() -> None:
        proposal_accept(user=chair, proposals=[pending.pop()])

    median, p95, queries = _measure(accept, min(runs, len(pending) - 1))
    print(_row("accept a proposal (service)", median, p95, queries, None))
    if only:
        return

    open_count = Proposal.objects.filter(document=document, status=ProposalStatus.SUBMITTED).count()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        revision = revision_issue(
            issued_by=chair, document=document, cover_letter="Excellency,", export_pdf=False
        )
    elapsed = (time.perf_counter() - started) * 1000
    print(
        _row(
            f"issue {revision.label} carrying {open_count} proposals",
            elapsed,
            elapsed,
            len(captured),
            None,
        )
    )

    html = pdfs.revision_html(meeting, revision)
    timings, alone = [], []
    for _ in range(3):
        started = time.perf_counter()
        rendered = pdfs.render_pdf(meeting, revision)
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        HTML(
            string=html,
            base_url=pdfs.PDF_ASSETS.as_uri() + "/",
            url_fetcher=pdfs.StaticOnlyFetcher(),
        ).write_pdf(pdf_variant=pdfs.PDF_VARIANT)
        alone.append(time.perf_counter() - started)
    ours, bare = statistics.median(timings), statistics.median(alone)
    print(
        f"  revision PDF: {rendered.pages} pages, {ours / rendered.pages:.3f} s/page "
        f"(WeasyPrint alone {bare / rendered.pages:.3f} s/page, "
        f"overhead {100 * (ours / bare - 1):.0f}%)"
    )
    started = time.perf_counter()
    red = pdfs.render_pdf(meeting, revision, "redline")
    per_page = (time.perf_counter() - started) / red.pages
    print(f"  redline PDF: {red.pages} pages, {per_page:.3f} s/page")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[0.1, 1])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--only",
        default="",
        help=(
            "measure only the pages (or the step: submit, accept) whose name holds this "
            "(e.g. search)"
        ),
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Meeting.objects.filter(slug="bms7").exists():
        call_command("loaddata", "bms7", verbosity=0)
    print(
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"{os.cpu_count()} cores, database {connection.vendor}"
    )
    for scale in args.scales:
        bench_scale(scale, args.runs, args.only)


if __name__ == "__main__":
    main()
