"""A new row and the rows that go with it (its history row, its audit event), inserted in
one statement.

Submitting a proposal writes three rows: the proposal, its history row and an audit event.
Through Django's ORM each insert is built and compiled afresh, 0.8-1.0 ms of CPU each on the
2-core host, more than the rest of the service. Here they are written in one statement,
prepared on the connection (``drafting.selectors.prepared``): its text depends only on the
models, so PostgreSQL parses and plans it once a connection.

- :func:`history_row` builds the history row django-simple-history would write for a save,
  from the same fields (``tracked_fields``), user, reason and type; a test holds it to the
  row simple_history writes itself.
- :func:`insert` inserts a new row, its history row and the rows following it, each of
  which names the new row's id in one field: on PostgreSQL in one statement
  (data-modifying ``WITH``, the new id from ``RETURNING``), elsewhere (SQLite, the demo)
  with a ``save()`` each. Values go through each field's ``pre_save`` and
  ``get_db_prep_save``, as ``save()`` sends them.
  The new row's id is set on it, and it is marked saved, as ``save()`` leaves it; no signal
  is sent (nothing here listens to these models' saves), and the following rows' own ids
  are not read back (they are not used after).
"""

from collections.abc import Sequence
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from drafting.selectors import prepared


def history_row(instance: Model, *, user: Any, reason: str, history_type: str = "+") -> Model:
    """The unsaved history row of ``instance`` as it now stands, as simple_history writes
    it for a save (its signals aside: nothing here listens to them)."""
    # simple_history ships no types: its manager descriptor is unknown to mypy.
    model: Any = type(instance).history.model  # type: ignore[attr-defined]
    return model(
        history_date=timezone.now(),
        history_type=history_type,
        history_user=user,
        history_change_reason=reason,
        **{field.attname: getattr(instance, field.attname) for field in model.tracked_fields},
    )


def _inserted_fields(model: type[Model]) -> list[Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not (field.primary_key and getattr(field, "db_returning", False))
    ]


@cache
def _statement(model: type[Model], following: tuple[tuple[type[Model], str], ...]) -> str:
    """The new row's INSERT, returning its id, and an INSERT of each following row taking
    that id, all in one statement. Only the models' own table and column names are written
    into it (hence the ``noqa: S608``); every value is a parameter."""
    quote = connection.ops.quote_name
    new_id = quote(str(model._meta.pk.column))

    def insert(into: type[Model], values: str) -> str:
        columns = ", ".join(quote(str(field.column)) for field in _inserted_fields(into))
        return f"INSERT INTO {quote(into._meta.db_table)} ({columns}) {values}"

    parameters = ", ".join(["%s"] * len(_inserted_fields(model)))
    clauses = [f"new AS ({insert(model, f'VALUES ({parameters}) RETURNING {new_id}')})"]
    for number, (follower, attname) in enumerate(following):
        values = ", ".join(
            f"new.{new_id}" if field.attname == attname else "%s"
            for field in _inserted_fields(follower)
        )
        selected = f"SELECT {values} FROM new"  # noqa: S608
        clauses.append(f"following_{number} AS ({insert(follower, selected)})")
    return f"WITH {', '.join(clauses)} SELECT {new_id} FROM new"  # noqa: S608


def _values(row: Model, leave_out: str = "") -> list[Any]:
    return [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for field in _inserted_fields(type(row))
        if field.attname != leave_out
    ]


def insert(
    row: Model,
    *,
    user: Any,
    reason: str,
    following: Sequence[tuple[Model | None, str]] = (),
) -> None:
    """Insert ``row`` (new), its history row (by ``user``, for ``reason``) and each
    following ``(row, attname)``, whose ``attname`` is set to the new row's id; a following
    None (an audit event inside ``audit.paused``) is left out. An error (a unique constraint
    refusing the new row) leaves nothing written."""
    if row.pk is not None:
        raise ValueError("insert writes a new row.")
    present = [(other, attname) for other, attname in following if other is not None]
    # As a save() leaves them, on either path (simple_history reads them on the other); set
    # on the models that declare them, unknown to the base Model mypy sees here.
    row._history_user, row._change_reason = user, reason  # type: ignore[attr-defined]
    if connection.vendor != "postgresql":
        row.save(force_insert=True)  # simple_history writes the history row
        for other, attname in present:
            setattr(other, attname, row.pk)
            other.save(force_insert=True)
        return
    params = _values(row)  # first: ``pre_save`` fills the row's automatic values
    present.insert(0, (history_row(row, user=user, reason=reason), "id"))
    for other, attname in present:
        params += _values(other, leave_out=attname)
    key = tuple((type(other), attname) for other, attname in present)
    found = prepared.fetch_one(_statement(type(row), key), params)
    if found is None:  # an INSERT ... RETURNING returns its row or raises
        raise RuntimeError("The insert returned no id.")
    row.pk = found[0]
    row._state.adding, row._state.db = False, connection.alias
    for other, attname in present:
        setattr(other, attname, row.pk)
