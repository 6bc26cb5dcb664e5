"""Full-text indexes for search (PostgreSQL only: the SQLite demo searches without them).

The expressions are exactly those `drafting.selectors.search` filters on (Django's SearchVector with
the English configuration), so that PostgreSQL uses the indexes.
"""

from django.db import migrations

INDEXES = {
    "drafting_proposal_search": (
        "drafting_proposal",
        "to_tsvector('english'::regconfig, COALESCE(proposed_text, '') || ' ' "
        "|| COALESCE(rationale, ''))",
    ),
    "drafting_element_search": (
        "drafting_element",
        "to_tsvector('english'::regconfig, COALESCE(text, ''))",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {name} ON {table} USING gin (({expression}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("drafting", "0016_document_structures_and_import")]

    operations = [migrations.RunPython(create, drop)]
