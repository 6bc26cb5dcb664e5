"""Drill: a gunicorn worker killed (SIGKILL) in the middle of submissions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bms7_drill \
        python3 -m uv run python benchmarks/drills/worker_kill.py

1. Caught in the act, 3 times: the drill locks an element's row from its own connection, so
   a submission to it waits inside its transaction; the worker serving it (found through its
   PostgreSQL backend's client port) is killed; the lock is released. The client must get an
   error, the master must start a new worker, PostgreSQL must end the dead worker's
   transaction with nothing stored, and sending again with the same key must store one.
2. Under load: 6 delegates submit 15 proposals each, sending again with the same key after
   any error, while a random worker is killed every second, 6 times. Every submission must
   end stored exactly once.

Prints what happened and exits non-zero when a check fails. Loopback only; bounded.
"""

import os
import random
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as drill

PORT = 8766
WORKERS = 2
DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bms7_drill")


def _database_exists() -> None:
    """Create the drill's database when it is missing (on the server of DATABASE_URL)."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    with psycopg.connect(DATABASE_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def _worker_of_client_port(port: int, workers: set[int]) -> int | None:
    """The worker whose TCP connection to PostgreSQL has this local port."""
    inode = None
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                inode = fields[9]
    if inode is None:
        return None
    for pid in workers:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
        except OSError:
            continue
    return None


def caught_in_the_act(server, prepared, http, element, report: list[str]) -> bool:
    import psycopg

    submission = drill.Submission(element)
    ok = True
    with psycopg.connect(DATABASE_URL) as locker:
        locker.execute("SELECT id FROM drafting_element WHERE id = %s FOR UPDATE", [element["id"]])
        sender = threading.Thread(target=drill.submit, args=(http, submission))
        sender.start()
        waiting = None
        with psycopg.connect(DATABASE_URL, autocommit=True) as watcher:
            for _ in range(100):
                waiting = watcher.execute(
                    "SELECT pid, client_port FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()
                if waiting:
                    break
                time.sleep(0.1)
            if waiting is None:
                report.append("  ! the submission never reached its transaction")
                locker.rollback()
                sender.join(timeout=60)
                return False
            backend, client_port = waiting
            workers = drill.worker_pids(server.pid)
            victim = _worker_of_client_port(client_port, workers)
            if victim is None:
                report.append("  ! could not tell which worker serves the submission")
                locker.rollback()
                sender.join(timeout=60)
                return False
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            respawned = drill.wait_for_workers(server.pid, WORKERS, without={victim})
            respawn_seconds = time.monotonic() - killed_at
            locker.rollback()  # let the dead worker's backend go on and find its client gone
            sender.join(timeout=60)
            for _ in range(100):
                alive = watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [backend]
                ).fetchone()
                if not alive:
                    break
                time.sleep(0.1)
    stored_after_kill = drill.stored_counts(prepared.document_id, [submission.key])[submission.key][
        0
    ]
    seen = submission.outcomes[0]
    drill.submit_until_stored(http, submission)
    count, statuses = drill.stored_counts(prepared.document_id, [submission.key])[submission.key]
    ok = (
        seen != "stored"
        and not seen.startswith("HTTP 5")
        and stored_after_kill == 0
        and count == 1
        and statuses == ["submitted"]
        and not (respawned & {victim})
    )
    report.append(
        f"  worker {victim} killed while its submission waited in its transaction: client saw "
        f"{seen!r} ({getattr(submission, 'last_error', '')}); new worker in "
        f"{respawn_seconds:.2f}s ({sorted(respawned)}); PostgreSQL backend {backend} "
        f"{'gone' if not alive else 'STILL THERE'}; stored after the kill: {stored_after_kill}; "
        f"after sending again: {count} {statuses} -> {'held' if ok else 'FAILED'}"
    )
    return ok


def under_load(server, prepared, report: list[str]) -> bool:
    submissions: list[drill.Submission] = []
    lock = threading.Lock()
    stop_killing = threading.Event()
    kills: list[tuple[int, float]] = []

    def delegate(session_key: str) -> None:
        http = drill.client(PORT, session_key)
        for _ in range(15):
            submission = drill.Submission(random.choice(prepared.elements))
            with lock:
                submissions.append(submission)
            drill.submit_until_stored(http, submission, tries=10, pause=0.2)

    def killer() -> None:
        for _ in range(6):
            if stop_killing.wait(1.0):
                return
            workers = drill.worker_pids(server.pid)
            if not workers:
                continue
            victim = random.choice(sorted(workers))
            os.kill(victim, signal.SIGKILL)
            started = time.monotonic()
            drill.wait_for_workers(server.pid, WORKERS, without={victim})
            kills.append((victim, time.monotonic() - started))

    delegates = [threading.Thread(target=delegate, args=(key,)) for key in prepared.sessions[:6]]
    murderer = threading.Thread(target=killer)
    started = time.monotonic()
    for thread in [*delegates, murderer]:
        thread.start()
    for thread in delegates:
        thread.join(timeout=300)
    stop_killing.set()
    murderer.join(timeout=60)
    elapsed = time.monotonic() - started

    keys = [s.key for s in submissions]
    counts = drill.stored_counts(prepared.document_id, keys)
    once = sum(1 for count, statuses in counts.values() if count == 1 and statuses == ["submitted"])
    missing = sum(1 for count, _ in counts.values() if count == 0)
    doubled = sum(1 for count, _ in counts.values() if count > 1)
    acknowledged = sum(1 for s in submissions if s.stored)
    outcomes: dict[str, int] = {}
    for submission in submissions:
        for outcome in submission.outcomes:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    retried = sum(1 for s in submissions if len(s.outcomes) > 1)
    ok = (
        once == len(submissions)
        and acknowledged == len(submissions)
        and not any(o.startswith("HTTP 5") for o in outcomes)
    )
    report.append(
        f"  {len(submissions)} submissions by 6 delegates in {elapsed:.1f}s; {len(kills)} workers "
        f"killed, each replaced in {', '.join(f'{s:.2f}s' for _, s in kills)}"
    )
    report.append(f"  responses: {outcomes}; submissions sent more than once: {retried}")
    report.append(
        f"  acknowledged: {acknowledged}; stored exactly once and submitted: {once}; missing: "
        f"{missing}; doubled: {doubled} -> {'held' if ok else 'FAILED'}"
    )
    return ok


def main() -> int:
    _database_exists()
    drill.setup_django(DATABASE_URL)
    prepared = drill.prepare(delegates=8)
    from django.db import connections

    connections.close_all()
    server = drill.start_server(PORT, DATABASE_URL, workers=WORKERS)
    report = [f"gunicorn master {server.pid}, {WORKERS} sync workers, DEBUG off, port {PORT}"]
    results = []
    try:
        report.append("1. a worker killed while a submission is inside its transaction")
        http = drill.client(PORT, prepared.sessions[-1])
        for element in prepared.elements[:3]:
            results.append(caught_in_the_act(server, prepared, http, element, report))
        report.append("2. workers killed at random under a stream of submissions")
        results.append(under_load(server, prepared, report))
        alive = drill.client(PORT, prepared.sessions[0]).get(
            f"http://127.0.0.1:{PORT}/m/{drill.SLUG}/draft/", timeout=30
        )
        report.append(f"server after the drill: working draft answers {alive.status_code}")
        results.append(alive.status_code == 200)
    finally:
        drill.stop_server(server)
    print("\n".join(report))
    print(f"\n{sum(results)} of {len(results)} checks held")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
