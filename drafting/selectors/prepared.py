"""A page's state read in one statement made often (the desk's and its poll's, the
delegation page's), and the rows a submission writes with its proposal
(``drafting.services.rows``), prepared on each database connection: PostgreSQL parses and
plans each once a connection, not on every request.

Measured (scale 1, the desk's statement, on the shared 2-core host): planned each time it
took 0.67 ms of the server's planning for 0.34 ms of execution, and 3.3-4.7 ms a round trip
under load; prepared, 1.0-1.2 ms. Django binds parameters in the client and prepares nothing
(its cursors stay so); this cursor binds them on the server and prepares its statement, with
psycopg's protocol-level prepared statements (which PgBouncer 1.21+ keeps in transaction
pooling with ``max_prepared_statements``), through Django's cursor wrapper: its errors,
execute wrappers and query log are as for any query.
"""

from collections.abc import Sequence
from typing import Any, cast

import psycopg
from django.db import connection

# Django turns psycopg's automatic preparing off (``prepare_threshold`` None, which turns off
# asking for it too): while this cursor executes, a count no statement reaches.
_ONLY_WHEN_ASKED = 2**31


class _PreparingCursor(psycopg.Cursor):
    """A server-binding cursor whose every statement is prepared on its connection."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        raw = self.connection
        threshold = raw.prepare_threshold
        if threshold is None:
            raw.prepare_threshold = _ONLY_WHEN_ASKED
        try:
            return super().execute(query, params, prepare=True, binary=binary)
        finally:
            raw.prepare_threshold = threshold


def _cursor() -> Any:
    connection.ensure_connection()
    with connection.wrap_database_errors:
        # Wrapped as Django wraps its own (the stubs expect a wrapper: it takes a cursor).
        cursor = cast(Any, _PreparingCursor(connection.connection))
    return (
        connection.make_debug_cursor(cursor)
        if connection.queries_logged
        else connection.make_cursor(cursor)
    )


def fetch_one(sql: str, params: dict[str, Any] | Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row of ``sql`` (``%(name)s`` or ``%s`` parameters) on PostgreSQL,
    prepared."""
    with _cursor() as wrapped:
        wrapped.execute(sql, params)
        return wrapped.fetchone()
