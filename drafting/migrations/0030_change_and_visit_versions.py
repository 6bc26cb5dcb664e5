"""Which version of the working draft each change made, and which a reader saw.

What changed since a reader's visit was asked by time: a change whose transaction began
before the visit and committed after it was made "before" the visit, and never listed. The
document's version is taken under the write gate's lock, in commit order; the visit records
the version it read.

Existing rows: each change is given its document's current version (all are committed), and
each visit the current version, or the one before when a change was made after it (so that
what it would have listed is listed still)."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef


def versions_from_times(apps, schema_editor):
    Document = apps.get_model("drafting", "Document")
    DraftVisit = apps.get_model("drafting", "DraftVisit")
    ElementChange = apps.get_model("drafting", "ElementChange")
    for document in Document.objects.only("pk", "version").iterator():
        current = max(document.version, 1)
        if document.version != current:
            Document.objects.filter(pk=document.pk).update(version=current)
        ElementChange.objects.filter(document_id=document.pk).update(document_version=current)
        visits = DraftVisit.objects.filter(document_id=document.pk)
        later = ElementChange.objects.filter(
            document_id=document.pk, made_at__gt=OuterRef("seen_at")
        )
        visits.filter(Exists(later)).update(seen_version=current - 1)
        visits.filter(~Exists(later)).update(seen_version=current)


class Migration(migrations.Migration):
    dependencies = [
        ("drafting", "0029_proposals_version_and_changes_since"),
    ]

    operations = [
        migrations.AddField(
            model_name="elementchange",
            name="document_version",
            field=models.PositiveBigIntegerField(
                default=0,
                editable=False,
                help_text=(
                    "The document's version this change made (drafting.services.gate): what a "
                    "reader saw is said by the version read, as the time a change was made may "
                    "be earlier than its commit."
                ),
                verbose_name="version of the working draft",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="draftvisit",
            name="seen_version",
            field=models.PositiveBigIntegerField(
                default=0,
                help_text=(
                    "The working draft's version (Document.version) read as the page was shown: "
                    "the changes made by a later version are listed on the next visit."
                ),
                verbose_name="version seen",
            ),
        ),
        migrations.RunPython(versions_from_times, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="elementchange",
            index=models.Index(
                fields=["document", "document_version"], name="element_change_version"
            ),
        ),
    ]
