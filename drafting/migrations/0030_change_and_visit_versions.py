"""Which version of the working draft each change made, and which a reader saw.

What changed since a reader's visit was asked by time: a change whose transaction began
before the visit and committed after it was made "before" the visit, and never listed. The
document's version is taken under the write gate's lock, in commit order; the visit records
the version it read.

Existing rows (all committed): a document's changes are numbered in the order they were
made, the last with the document's version (raised to their count if it is lower); each
visit is given the number of the last change made before it, so that it lists what it
listed by time."""

from bisect import bisect_right

from django.db import migrations, models


def versions_from_times(apps, schema_editor):
    Document = apps.get_model("drafting", "Document")
    DraftVisit = apps.get_model("drafting", "DraftVisit")
    ElementChange = apps.get_model("drafting", "ElementChange")
    for document in Document.objects.only("pk", "version").iterator():
        changes = list(
            ElementChange.objects.filter(document_id=document.pk)
            .order_by("made_at", "id")
            .values_list("pk", "made_at")
        )
        top = max(document.version, len(changes))
        if top != document.version:
            Document.objects.filter(pk=document.pk).update(version=top)
        first = top - len(changes) + 1
        for number, (pk, _made_at) in enumerate(changes, start=first):
            ElementChange.objects.filter(pk=pk).update(document_version=number)
        times = [made_at for _pk, made_at in changes]
        for visit in DraftVisit.objects.filter(document_id=document.pk).only("pk", "seen_at"):
            before = bisect_right(times, visit.seen_at)  # made at or before the visit
            DraftVisit.objects.filter(pk=visit.pk).update(seen_version=first - 1 + before)


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
            preserve_default=False,
        ),
        migrations.RunPython(versions_from_times, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="elementchange",
            index=models.Index(
                fields=["document", "document_version"], name="element_change_version"
            ),
        ),
    ]
