"""Drill: PostgreSQL restarted, then stopped and started, while the app runs.

    python3 -m uv run python benchmarks/drills/postgres_restart.py

Never touches the shared cluster: it creates its own throwaway cluster ("drill", port 5433,
trust authentication on the loopback), loads the BMS7 zero draft into bms7_drill, runs
gunicorn against it (CONN_MAX_AGE=60, health checks on), and:

1. restarts PostgreSQL: the app must serve again without being restarted itself;
2. stops PostgreSQL while a submission is inside its transaction (held there by a row lock
   the drill takes), keeps it stopped while delegates read and submit, then starts it: every
   request in the outage must get the friendly 503 page (no traceback, no 500), nothing of
   those submissions may be stored, the app must serve again by itself, and sending them
   again with the same keys must store each exactly once.

The cluster is dropped at the end, and before the start when a previous run left it behind.
Prints what happened; exits non-zero when a check fails. Loopback only; bounded.
"""

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as drill

CLUSTER = "drill"
PG_PORT = 5433
PORT = 8767
WORKERS = 2
DATABASE_URL = f"postgres://postgres@127.0.0.1:{PG_PORT}/bms7_drill"


def _version() -> str:
    return sorted(
        Path("/etc/postgresql").iterdir(), key=lambda p: [int(x) for x in p.name.split(".")]
    )[-1].name


VERSION = _version()


def pg(*command: str) -> None:
    subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603


def pg_ctl(action: str) -> float:
    started = time.monotonic()
    pg("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, CLUSTER, action)
    return time.monotonic() - started


def cluster_exists() -> bool:
    command = ["pg_lsclusters", "--no-header"]
    listing = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return any(line.split()[:2] == [VERSION, CLUSTER] for line in listing.splitlines())


def drop_cluster() -> None:
    if cluster_exists():
        pg("pg_dropcluster", "--stop", VERSION, CLUSTER)


def create_cluster() -> None:
    drop_cluster()
    pg("pg_createcluster", VERSION, CLUSTER, "--port", str(PG_PORT), "--", "--auth=trust")
    pg_ctl("start")
    import psycopg

    with psycopg.connect(
        f"postgres://postgres@127.0.0.1:{PG_PORT}/postgres", autocommit=True
    ) as admin:
        admin.execute("CREATE DATABASE bms7_drill")


def _forget_drill_connections() -> None:
    from django.db import connections

    connections.close_all()


def _reads(http, count: int) -> list[int | str]:
    statuses = []
    for _ in range(count):
        try:
            response = http.get(f"{http.base}/m/{drill.SLUG}/draft/", timeout=30)
            statuses.append(
                "503 page"
                if response.status_code == 503
                and "Try again" in response.text
                and "Traceback" not in response.text
                else response.status_code
            )
        except Exception as error:
            statuses.append(type(error).__name__)
    return statuses


def run(report: list[str]) -> list[bool]:
    results = []
    drill.setup_django(DATABASE_URL)
    prepared = drill.prepare(delegates=4)
    _forget_drill_connections()
    server = drill.start_server(PORT, DATABASE_URL, workers=WORKERS)
    try:
        workers_before = drill.worker_pids(server.pid)
        report.append(
            f"cluster {VERSION}/{CLUSTER} on port {PG_PORT}; gunicorn master {server.pid}, "
            f"workers {sorted(workers_before)}, CONN_MAX_AGE=60 with health checks"
        )
        reader = drill.client(PORT, prepared.sessions[0])
        delegate = drill.client(PORT, prepared.sessions[1])
        warm = _reads(reader, 6)
        baseline = [drill.Submission(e) for e in prepared.elements[:3]]
        for submission in baseline:
            drill.submit(delegate, submission)
        report.append(f"before: reads {warm}; submissions {[s.outcomes[-1] for s in baseline]}")
        results.append(warm == [200] * 6 and all(s.stored for s in baseline))

        # 1. Restart.
        took = pg_ctl("restart")
        after_restart = _reads(reader, 10)
        restarted = [drill.Submission(e) for e in prepared.elements[3:6]]
        for submission in restarted:
            drill.submit(delegate, submission)
        first_ok = next((i for i, s in enumerate(after_restart) if s == 200), None)
        held = (
            first_ok is not None
            and all(s == 200 for s in after_restart[first_ok:])
            and all(s in {200, "503 page"} for s in after_restart)
            and all(s.stored for s in restarted)
        )
        report.append(
            f"1. restart ({took:.1f}s): the 10 reads after it {after_restart}; submissions "
            f"{[s.outcomes[-1] for s in restarted]} -> {'held' if held else 'FAILED'}"
        )
        results.append(held)

        # 2. A submission inside its transaction when PostgreSQL stops, then an outage.
        import psycopg

        in_flight = drill.Submission(prepared.elements[6])
        locker = psycopg.connect(DATABASE_URL)
        locker.execute(
            "SELECT id FROM drafting_element WHERE id = %s FOR UPDATE", [in_flight.element["id"]]
        )
        sender = threading.Thread(target=drill.submit, args=(delegate, in_flight))
        sender.start()
        with psycopg.connect(DATABASE_URL, autocommit=True) as watcher:
            for _ in range(100):
                if watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                ).fetchone():
                    break
                time.sleep(0.1)
            else:
                report.append("  ! the submission never reached its transaction")
        took = pg_ctl("stop")
        sender.join(timeout=60)
        with contextlib.suppress(psycopg.Error):
            locker.close()
        during_reads = _reads(reader, 3)
        during = [drill.Submission(e) for e in prepared.elements[7:12]]
        for submission in during:
            drill.submit(delegate, submission)
        # A page that needs no database: the sign-in form, for someone not signed in.
        sign_in = drill.client(PORT, "").get(f"{reader.base}/accounts/login/", timeout=10)
        report.append(
            f"2. stop ({took:.1f}s) while a submission waited in its transaction: it got "
            f"{in_flight.outcomes!r}"
        )
        report.append(
            f"   during the outage: reads {during_reads}; submissions "
            f"{[s.outcomes[-1] for s in during]}; the sign-in page (no database needed) "
            f"{sign_in.status_code}"
        )
        outage_held = (
            in_flight.outcomes == ["503 page"]
            and during_reads == ["503 page"] * 3
            and all(s.outcomes == ["503 page"] for s in during)
        )
        results.append(outage_held)
        time.sleep(3)
        took = pg_ctl("start")
        keys = [in_flight.key] + [s.key for s in during]
        half_stored = drill.stored_counts(prepared.document_id, keys)
        _forget_drill_connections()
        after_start = _reads(reader, 10)
        first_ok = next((i for i, s in enumerate(after_start) if s == 200), None)
        for submission in [in_flight, *during]:
            drill.submit_until_stored(delegate, submission)
        counts = drill.stored_counts(prepared.document_id, keys)
        baseline_counts = drill.stored_counts(
            prepared.document_id, [s.key for s in baseline + restarted]
        )
        _forget_drill_connections()
        workers_after = drill.worker_pids(server.pid)
        nothing_half = all(count == 0 for count, _ in half_stored.values())
        once = all(c == (1, ["submitted"]) for c in counts.values())
        earlier_once = all(c == (1, ["submitted"]) for c in baseline_counts.values())
        recovered = (
            first_ok is not None
            and all(s == 200 for s in after_start[first_ok:])
            and all(s in {200, "503 page"} for s in after_start)
        )
        report.append(
            f"   start ({took:.1f}s): stored from the 6 cut-off submissions before sending "
            f"again: {sum(c for c, _ in half_stored.values())}; the 10 reads after the start "
            f"{after_start}"
        )
        report.append(
            f"   sent again with the same keys: "
            f"{[s.outcomes[-1] for s in [in_flight, *during]]}; each stored exactly once "
            f"and submitted: {once}; the 6 earlier ones still once: {earlier_once}"
        )
        report.append(
            f"   gunicorn: master {server.pid} "
            f"{'still running' if server.poll() is None else 'DIED'}, "
            f"workers {sorted(workers_after)} "
            f"({'the same, never restarted' if workers_after == workers_before else 'changed'})"
        )
        results += [nothing_half, recovered, once, earlier_once, server.poll() is None]
    finally:
        drill.stop_server(server)
    return results


def main() -> int:
    report: list[str] = []
    create_cluster()
    try:
        results = run(report)
    finally:
        _forget_drill_connections()
        drop_cluster()
        report.append(f"cluster {VERSION}/{CLUSTER} dropped: {not cluster_exists()}")
    print("\n".join(report))
    print(f"\n{sum(results)} of {len(results)} checks held")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
