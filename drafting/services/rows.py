"""Rows that go with a write, inserted together: its history row and its audit event.

Submitting a proposal writes three rows: the proposal, its history row and an audit event.
Through Django's ORM each insert is built and compiled afresh, 0.8-1.0 ms of CPU each on the
2-core host, more than the rest of the service. The proposal is still saved with ``save()``
(its id is wanted back); the rows that only follow it are written here in one statement,
prepared on the connection (``drafting.selectors.prepared``): the statement's text depends
only on the models, so PostgreSQL parses and plans it once a connection.

- :func:`history_row` builds the history row django-simple-history would write for a save,
  from the same fields (``tracked_fields``), user, reason and type; a test holds it to the
  row simple_history writes itself.
- :func:`insert_together` inserts unsaved rows, one of each model, in one statement on
  PostgreSQL (data-modifying ``WITH``), with ``save()`` each elsewhere (SQLite, the demo).
  Values go through each field's ``pre_save`` and ``get_db_prep_save``, as ``save()``
  sends them; the new rows' ids are not read back (the objects are not used after).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from drafting.selectors import prepared


@contextmanager
def history_written_here(instance: Model) -> Iterator[None]:
    """Saves of ``instance`` inside write no history row (simple_history's
    ``skip_history_when_saving``): the caller writes it, with :func:`history_row`."""
    instance.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del instance.skip_history_when_saving  # type: ignore[attr-defined]


def history_row(instance: Model, *, user: Any, reason: str, history_type: str = "+") -> Model:
    """The unsaved history row of ``instance`` as it now stands, as simple_history writes
    it for a save (its signals aside: nothing here listens to them)."""
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
def _statement(models: tuple[type[Model], ...]) -> str:
    """One INSERT of a row of each model: all but the last in ``WITH`` clauses."""
    quote = connection.ops.quote_name
    inserts = []
    for model in models:
        fields = _inserted_fields(model)
        columns = ", ".join(quote(str(field.column)) for field in fields)
        values = ", ".join(["%s"] * len(fields))
        # Only the models' own table and column names; every value is a parameter.
        inserts.append(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
        )
    *first, last = inserts
    if not first:
        return last
    clauses = ", ".join(f"row_{number} AS ({sql})" for number, sql in enumerate(first))
    return f"WITH {clauses} {last}"


def insert_together(*given: Model | None) -> None:
    """Insert the rows given (unsaved, at most one of each model; a None, such as an audit
    event inside ``audit.paused``, is left out), in one statement on PostgreSQL."""
    rows = [row for row in given if row is not None]
    if not rows:
        return
    models = tuple(type(row) for row in rows)
    if len(set(models)) != len(models):
        raise ValueError("insert_together takes at most one row of each model.")
    if connection.vendor != "postgresql":
        for row in rows:
            row.save(force_insert=True)
        return
    params = [
        field.get_db_prep_save(field.pre_save(row, True), connection)
        for row in rows
        for field in _inserted_fields(type(row))
    ]
    prepared.execute(_statement(models), params)
