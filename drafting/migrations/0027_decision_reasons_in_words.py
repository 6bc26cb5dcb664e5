"""A proposal's history read "Chair's decision: accepted_with_changes" (the stored value, not
its words); the reason is now written with the label, and the rows already written are
reworded here."""

from django.db import migrations

BEFORE = "Chair's decision: accepted_with_changes"
AFTER = "Chair's decision: accepted with changes"


def reword(apps, schema_editor):
    history = apps.get_model("drafting", "HistoricalProposal")
    history.objects.filter(history_change_reason=BEFORE).update(history_change_reason=AFTER)


def unword(apps, schema_editor):
    history = apps.get_model("drafting", "HistoricalProposal")
    history.objects.filter(history_change_reason=AFTER).update(history_change_reason=BEFORE)


class Migration(migrations.Migration):
    dependencies = [("drafting", "0026_kind_label_empty_bullet")]

    operations = [migrations.RunPython(reword, unword)]
