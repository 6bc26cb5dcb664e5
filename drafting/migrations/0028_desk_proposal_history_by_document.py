from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("drafting", "0027_decision_reasons_in_words"),
    ]

    operations = [
        # The desk's key (selectors.desk.desk_key) reads, on every view and poll, the newest
        # history row of a document's proposals seen beyond their delegation: backwards on
        # this index, it stops at the first. Plain SQL, as in 0011 (the historical models are
        # django-simple-history's).
        migrations.RunSQL(
            "CREATE INDEX historicalproposal_document_history "
            "ON drafting_historicalproposal (document_id, history_id)",
            "DROP INDEX historicalproposal_document_history",
        ),
    ]
