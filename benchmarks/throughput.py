"""Throughput of the app's pages under gunicorn, each held against a plain Django page.

    .ci/uv run python benchmarks/throughput.py --scale 1 [--seconds 10 --connections 16]
    .ci/uv run python benchmarks/throughput.py --scale 10 --rss-only   # worker memory

Needs `wrk` (Debian package `wrk`, `apt-get install -y wrk`), PostgreSQL and Redis. It
creates (once) the scratch database ``bms7_throughput_<scale>`` and fills it with the
synthetic negotiation of that scale (``generate_negotiation``, the generator run.py and
loadtest.py use; the database is written to: never point it at real data), starts gunicorn
with 4 workers, DEBUG off, on 127.0.0.1 (``benchmarks.throughput_wsgi``, with
``BENCHMARK=1``), and drives each page with wrk (16 connections, fixed duration,
``benchmarks/throughput.lua``: a signed-in session cookie, CSRF token and fresh idempotency
keys for POSTs). In turns with each page, on the same server, wrk drives the plain Django
pages it is held against (``benchmarks/plain.py``: one query for N rows, a plain template,
only the middleware Django ships): a 50-row list, and a list of about the page's size in
bytes; submitting a proposal is held against a plain idempotent insert. The ``--seconds``
of each are split in ``--rounds`` turns (5 of 2 s): page, plains, page, plains... It prints
requests/s, median latency and the ratio (page req/s / plain req/s; the median of the
turns' ratios, and their range) for each, then the workers' memory (RSS) once they have
served ``--rss-requests`` requests.

The cache is whatever the settings make of the environment (REDIS_URL is passed through; it
defaults here to redis://127.0.0.1:6379/9). Timings on a shared machine are noisy: the
ratios, measured seconds apart on the same server, are what to compare.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, its own folder comes first on the path, and its docx.py (the Word
# benchmark) would shadow python-docx when the URLs are imported (`size_to_rows`).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))
LUA = ROOT / "benchmarks" / "throughput.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "bms7.settings",
    "DEBUG": "0",
    "SECRET_KEY": "throughput-only-secret-key-throughput-only-secret-key",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "STATIC_MANIFEST": "0",
    "CONN_MAX_AGE": "60",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    # The submissions all come from one delegation: count them (the throttle runs) but never
    # refuse them.
    "PROPOSALS_PER_MINUTE": "1000000",
}
# Ends the text of every proposal the benchmark submits: a database holding one is no longer
# as generated, and is made again before the next run.
MARKER = " [throughput benchmark]"
# 50 rows: the plain list the sign-in page and the delegation page are held against.
LIST_ROWS = 50


@dataclass
class Case:
    name: str
    path: str
    signed_in: bool = True
    body: str = ""  # a form to POST (IDEMPOTENCYKEY is replaced by a fresh UUID)
    plains: list[tuple[str, str]] = field(default_factory=list)  # (label, path or "size")
    # Plain pages shown beside it for comparison, without a target: issue #19 holds the
    # sign-in page and the delegation page to the 50-row list, every page to its size.
    shown_only: tuple[str, ...] = ()
    bytes: int = 0


@dataclass
class Result:
    requests: int
    per_second: float
    p50_ms: float
    p99_ms: float
    bad: int
    seconds: float = 0.0


def together(runs: list[Result]) -> Result:
    """Several runs of one page as one: their requests over their time; the median of
    their medians and of their 99th percentiles."""
    seconds = sum(run.seconds for run in runs)
    return Result(
        requests=sum(run.requests for run in runs),
        per_second=sum(run.requests for run in runs) / seconds,
        p50_ms=statistics.median(run.p50_ms for run in runs),
        p99_ms=statistics.median(run.p99_ms for run in runs),
        bad=sum(run.bad for run in runs),
        seconds=seconds,
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seconds", type=int, default=10, help="per page and per plain page")
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="the seconds split in this many turns, the page and its plain pages in turn",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=int(os.environ.get("THROUGHPUT_PORT", "8766")))
    parser.add_argument(
        "--rss-requests",
        type=int,
        default=10_000,
        help="read the workers' memory once they have served this many requests",
    )
    parser.add_argument(
        "--rss-only", action="store_true", help="skip the table: serve the mix, read memory"
    )
    parser.add_argument("--only", nargs="*", help="pages whose name contains one of these")
    parser.add_argument(
        "--database",
        default="",
        help="the scratch database's name (default bms7_throughput_<scale>): two runs at once "
        "each need their own",
    )
    return parser.parse_args()


def prepare_database(scale: float, *, again: bool = False, name: str = "") -> str:
    """The scratch database of this scale (``name``, or ``bms7_throughput_<scale>``), created
    if missing (dropped first if ``again``); its URL."""
    name = name or f"bms7_throughput_{scale:g}".replace(".", "_")
    with psycopg.connect(
        "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
    ) as maintenance:
        if again:
            maintenance.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = maintenance.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            maintenance.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    for name, value in SERVER_ENV.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def build_cases(scale: float, database: str = "") -> tuple[list[Case], dict]:
    """Generate the negotiation if missing, sign a delegate in; the pages to measure."""
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils.crypto import get_random_string

    from drafting.models import DelegateProfile, Element, Meeting, Proposal, Revision

    call_command("migrate", verbosity=0)
    slug = f"synth-{scale:g}".replace(".", "_")
    if Proposal.objects.filter(proposed_text__endswith=MARKER).exists():
        # An earlier run submitted proposals: make the negotiation again, as generated.
        from django.db import connections

        connections.close_all()
        prepare_database(scale, again=True, name=database)
        call_command("migrate", verbosity=0)
    if not Meeting.objects.filter(slug=slug).exists():
        started = time.perf_counter()
        call_command("generate_negotiation", "--scale", str(scale))
        print(f"(generated {slug} in {time.perf_counter() - started:.0f} s)")
    meeting = Meeting.objects.select_related("document").get(slug=slug)
    document = meeting.document
    # The delegate of the delegation with the most proposals, as run.py measures.
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
    csrf = get_random_string(32)

    def signed_in(user) -> str:
        """The Cookie header of a new session of ``user`` (made directly: no password)."""
        store = import_module(settings.SESSION_ENGINE).SessionStore()
        store["_auth_user_id"] = str(user.pk)
        store["_auth_user_backend"] = "drafting.access.backends.DelegationModelBackend"
        store["_auth_user_hash"] = user.get_session_auth_hash()
        store.create()
        return (
            f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf}"
        )

    cookie = signed_in(delegate)
    item = Element.objects.filter(document=document, kind="agenda_item").order_by("position")[0]
    numbers = list(
        Revision.objects.filter(document=document)
        .order_by("number")
        .values_list("number", flat=True)
    )
    # Another delegation submits, on the last theme (not under the agenda item measured), so
    # that the pages measured before stay as generated.
    submitter = (
        DelegateProfile.objects.select_related("user")
        .filter(user__username__startswith=slug)
        .exclude(delegation_id=busiest["delegation_id"])
        .order_by("pk")
        .first()
        .user
    )
    target = Element.objects.filter(document=document, kind="theme").order_by("pk").last()
    form = urllib.parse.urlencode(
        {
            "kind": "amend",
            "proposed_text": target.text + MARKER,
            "base_text_seen": target.text,
            "action": "submit",
        }
    )
    base = f"/m/{slug}"
    plain_list = ("plain 50-row list", f"/__plain__/list/{LIST_ROWS}/")
    similar = ("plain page of similar size", "size")
    cases = [
        Case("sign-in page", "/accounts/login/", signed_in=False, plains=[plain_list]),
        Case("delegation page", f"{base}/delegation/", plains=[plain_list, similar]),
        Case(
            "delegate's desk",
            f"{base}/desk/",
            plains=[plain_list, similar],
            shown_only=(plain_list[0],),
        ),
        Case("working draft", f"{base}/draft/", plains=[similar]),
        Case("agenda item's compilation", f"{base}/compilation/?item={item.pk}", plains=[similar]),
        Case("full compilation", f"{base}/compilation/", plains=[similar]),
        Case(
            f"revision page (Rev.{numbers[-1]})",
            f"{base}/revisions/{numbers[-1]}/",
            plains=[similar],
        ),
        Case(
            f"compare Rev.{numbers[0]} to Rev.{numbers[-1]}",
            f"{base}/compare/?from={numbers[0]}&to={numbers[-1]}",
            plains=[similar],
        ),
        Case(
            "submit a proposal",
            f"{base}/elements/{target.pk}/propose/",
            body=f"{form}&idempotency_key=IDEMPOTENCYKEY",
            plains=[("plain idempotent insert", "/__plain__/insert/")],
        ),
    ]
    context = {
        "cookie": cookie,
        "submitter_cookie": signed_in(submitter),
        "csrf": csrf,
        "document": document.pk,
        "elements": Element.objects.filter(document=document).count(),
        "proposals": Proposal.objects.filter(document=document).count(),
    }
    return cases, context


def fetch(port: int, path: str, cookie: str) -> tuple[int, int]:
    """Status and body length of one GET (redirects not followed)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with opener.open(request, timeout=120) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, 0


def wrk(
    args: argparse.Namespace,
    path: str,
    cookie: str,
    csrf: str,
    body: str = "",
    seconds: int | None = None,
) -> Result:
    seconds = seconds or args.seconds
    env = {**os.environ, "TP_PATH": path, "TP_COOKIE": cookie, "TP_CSRF": csrf, "TP_BODY": body}
    completed = subprocess.run(  # noqa: S603 - fixed command line
        [
            WRK,
            "--threads",
            "2",
            "--connections",
            str(args.connections),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "30s",
            "--script",
            str(LUA),
            f"http://127.0.0.1:{args.port}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    line = next(line for line in completed.stdout.splitlines() if line.startswith("THROUGHPUT "))
    figures = json.loads(line.removeprefix("THROUGHPUT "))
    return Result(
        requests=figures["requests"],
        per_second=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        bad=figures["bad_status"] + figures["socket_errors"],
        seconds=figures["duration_us"] / 1e6,
    )


def start_server(args: argparse.Namespace) -> subprocess.Popen:
    env = {**os.environ, "BENCHMARK": "1"}
    server = subprocess.Popen(  # noqa: S603 - fixed command line
        [
            sys.executable,
            "-m",
            "gunicorn",
            "benchmarks.throughput_wsgi",
            "--preload",
            "--workers",
            str(args.workers),
            "--bind",
            f"127.0.0.1:{args.port}",
            "--log-level",
            "warning",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(120):
        try:
            fetch(args.port, "/accounts/login/", "")
            # One worker answers while the master may still be forking the others: wait for
            # them all, or one forked later reads as a replacement at the end.
            for _ in range(100):
                if len(workers(server.pid)) >= args.workers:
                    break
                time.sleep(0.1)
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer in 60 s")


def workers(master: int) -> list[str]:
    """The process ids of the master's workers."""
    return Path(f"/proc/{master}/task/{master}/children").read_text().split()


def workers_rss(master: int) -> list[float]:
    """Resident memory of the master's worker processes, in MB."""
    sizes = []
    for pid in workers(master):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def size_to_rows(args: argparse.Namespace, cookie: str, size: int) -> tuple[int, bool]:
    """How many rows make the plain list about ``size`` bytes long (and whether capped)."""
    from benchmarks.plain import MOST_ROWS

    _, empty = fetch(args.port, "/__plain__/list/0/", cookie)
    _, sample = fetch(args.port, "/__plain__/list/200/", cookie)
    per_row = (sample - empty) / 200
    rows = round((size - empty) / per_row)
    return max(1, min(rows, MOST_ROWS)), rows > MOST_ROWS


def main() -> None:
    args = parse_args()
    # Stopped (SIGTERM), it still stops its server (the ``finally`` below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    setup_django(prepare_database(args.scale, name=args.database))
    from django.conf import settings

    cases, context = build_cases(args.scale, args.database)
    if args.only:
        cases = [case for case in cases if any(word in case.name for word in args.only)]
    print(
        f"scale {args.scale:g}: {context['elements']} elements, {context['proposals']} proposals; "
        f"gunicorn {args.workers} workers, wrk {args.connections} connections, "
        f"{args.seconds} s each; cache {settings.CACHES['default']['BACKEND']}; "
        f"{os.cpu_count()} cores"
    )
    server = start_server(args)
    served = 0
    try:
        cookie, csrf = context["cookie"], context["csrf"]
        for case in cases:
            if not case.body and not (args.rss_only and case.name == "full compilation"):
                status, case.bytes = fetch(args.port, case.path, cookie if case.signed_in else "")
                if status != 200:
                    raise SystemExit(f"{case.path} answered {status}")
        first_workers = set(workers(server.pid))
        if not args.rss_only:
            served += table(args, cases, context)
        # Every page read signed in but the full compilation, which takes seconds at scale
        # 10 and would make the 10,000 requests last an hour.
        mix = " ".join(
            case.path
            for case in cases
            if not case.body and case.signed_in and case.name != "full compilation"
        )
        while served < args.rss_requests:
            served += wrk(args, mix, cookie, csrf).requests
        sizes = workers_rss(server.pid)
        # A worker killed (timed out) and replaced would read as new: say so.
        replaced = len(set(workers(server.pid)) - first_workers)
        print(
            f"\nworker memory after {served:,} requests: "
            + ", ".join(f"{size:.0f}" for size in sizes)
            + f" MB RSS (largest {max(sizes):.0f} MB; target <= 300 MB at scale 10)"
            + (f"; {replaced} workers were replaced during the run" if replaced else "")
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def table(args: argparse.Namespace, cases: list[Case], context: dict) -> int:
    """Each page and the plain pages it is held against, in turns (``--rounds``): page,
    plains, page, plains... A shared machine's speed drifts by more than the differences
    measured within seconds; taken in turns, each ratio is of runs seconds apart, and the
    ratio shown is the median of the turns' ratios (with their range)."""
    from drafting.models import Proposal

    cookie, csrf = context["cookie"], context["csrf"]
    turn = max(1, round(args.seconds / args.rounds))
    served = 0
    lines = []
    header = (
        f"{'page':<28} {'size':>7} {'req/s':>7} {'median':>9} {'held against':<34} "
        f"{'req/s':>7} {'median':>9} {'ratio':>6} {'target':>6} {'turns':>11}"
    )
    print(f"\n{args.rounds} turns of {turn} s each\n" + header)
    for case in cases:
        before = Proposal.objects.filter(document_id=context["document"]).count()
        who = context["submitter_cookie"] if case.body else cookie
        plains = []
        for label, plain_path in case.plains:
            target: float | None = None if label in case.shown_only else 0.5 if case.body else 1.0
            if plain_path == "size":
                rows, capped = size_to_rows(args, cookie, case.bytes)
                plain_path = f"/__plain__/list/{rows}/"
                label = f"plain {rows}-row list{' (smaller)' if capped else ''}"
            plains.append((label, plain_path, target))
        page_turns: list[Result] = []
        plain_turns: dict[str, list[Result]] = {label: [] for label, _, _ in plains}
        for _ in range(args.rounds):
            page_turns.append(
                wrk(args, case.path, who if case.signed_in else "", csrf, case.body, turn)
            )
            for label, plain_path, _ in plains:
                body = "idempotency_key=IDEMPOTENCYKEY" if case.body else ""
                plain_turns[label].append(wrk(args, plain_path, who, csrf, body, turn))
        page = together(page_turns)
        served += page.requests
        stored = Proposal.objects.filter(document_id=context["document"]).count() - before
        note = f" [{page.bad} errors]" if page.bad else ""
        if case.body:
            # Counted by wrk; those in flight as a turn ends are stored but not counted.
            note += f" [{page.requests} counted, {stored} stored]"
        for label, _, target in plains:
            plain = together(plain_turns[label])
            served += plain.requests
            ratios = [
                mine.per_second / theirs.per_second
                for mine, theirs in zip(page_turns, plain_turns[label], strict=True)
            ]
            ratio = statistics.median(ratios)
            verdict = "shown" if target is None else "met" if ratio >= target else "missed"
            size = f"{case.bytes / 1000:5.0f}kB" if case.bytes else "      -"
            line = (
                f"{case.name:<28} {size} {page.per_second:7.1f} {page.p50_ms:7.1f}ms "
                f"{label:<34} {plain.per_second:7.1f} {plain.p50_ms:7.1f}ms "
                f"{ratio:5.2f}x {verdict:>6} "
                f"{min(ratios):4.2f}-{max(ratios):4.2f}"
                f"{note}{' [plain: ' + str(plain.bad) + ' errors]' if plain.bad else ''}"
            )
            print(line, flush=True)
            lines.append(line)
    return served


if __name__ == "__main__":
    main()
