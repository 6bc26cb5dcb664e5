"""Dropping the app's PostgreSQL connection at a chosen moment, with PostgreSQL itself.

A second connection runs ``pg_terminate_backend`` on the app's backend, exactly as a server
restart, a failover or a network cut would end it. The moment is a commit of the app's
connection (Django's ``_commit``), counted from the start of the ``with`` block:

- ``"before"``: the backend is killed just before COMMIT is sent. The transaction is lost
  and the app sees ``OperationalError``.
- ``"reply_lost"``: COMMIT goes through, then the backend is killed and the app is told the
  connection broke, as when the server committed but its answer never arrived. The write is
  stored and the app still sees ``OperationalError``: the case a retry must not double.
- ``"after"``: COMMIT goes through and its answer arrives, then the backend is killed; the
  next query of the request finds the connection gone.
"""

from contextlib import contextmanager
from unittest import mock

import psycopg
from django.db import OperationalError, connections


def terminate(connection) -> None:
    """End ``connection``'s backend from another connection, and wait until it is gone."""
    pid = connection.connection.info.backend_pid
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        autocommit=True,
    ) as killer:
        # With a timeout, pg_terminate_backend waits for the backend to exit (PostgreSQL 14+).
        killed = killer.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    assert killed, f"backend {pid} did not end"


@contextmanager
def dropped_at_commit(number: int = 1, when: str = "before", alias: str = "default"):
    """Kill the connection at its ``number``-th commit inside the block; yields a record of
    what happened (``record["dropped"]`` is True once it has)."""
    assert when in {"before", "reply_lost", "after"}
    connection = connections[alias]
    real_commit = type(connection)._commit
    record = {"commits": 0, "dropped": False}

    def commit(self):
        record["commits"] += 1
        if record["commits"] != number:
            return real_commit(self)
        record["dropped"] = True
        if when == "before":
            terminate(self)
            return real_commit(self)  # raises: the server has gone
        result = real_commit(self)
        terminate(self)
        if when == "reply_lost":
            raise OperationalError("server closed the connection unexpectedly (test)")
        return result

    with mock.patch.object(type(connection), "_commit", commit):
        yield record
