"""``save()``'s INSERT of one row through a statement written once (PostgreSQL).

Django compiles the same ``INSERT`` again for every row saved: for a proposal and its history
row (two dozen columns each) that cost more than running them. :class:`InsertWrittenOnce`
keeps the statement for each model and set of columns and prepares the values as the ORM does
(each field's ``pre_save`` then ``get_db_prep_save``); ``save()`` is otherwise Django's own,
signals (the history row) included. An expression among the values, a raw save, or another
database: Django's insert.
"""

import functools
from typing import Any

from django.db import connections, models


@functools.cache
def _insert_sql(
    table: str, alias: str, columns: tuple[str, ...], returning: tuple[str, ...]
) -> str:
    quote = connections[alias].ops.quote_name
    statement = (
        f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "  # noqa: S608 - the model's own table and columns
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    if returning:
        statement += " RETURNING " + ", ".join(quote(column) for column in returning)
    return statement


class InsertWrittenOnce:
    """A model mixin: its ``save()`` inserts through a statement written once."""

    def _do_insert(self, manager, using, fields, returning_fields, raw):
        model: Any = self
        connection = connections[using]
        if raw or connection.vendor != "postgresql" or not fields:
            return models.Model._do_insert(model, manager, using, fields, returning_fields, raw)
        values = []
        for field in fields:
            value = field.pre_save(model, True)
            if hasattr(value, "resolve_expression"):
                return models.Model._do_insert(model, manager, using, fields, returning_fields, raw)
            values.append(field.get_db_prep_save(value, connection))
        returning = tuple(field.column for field in returning_fields or ())
        sql = _insert_sql(
            model._meta.db_table, using, tuple(field.column for field in fields), returning
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            return [cursor.fetchone()] if returning else []
