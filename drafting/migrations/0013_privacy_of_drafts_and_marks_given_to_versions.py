"""Drafts stay private, marks are given to a version (issue #14, points 1, 2 and 6).

Besides the schema: proposals that were "withdrawn" without ever being submitted (the old way
to discard a draft, which published it) become discarded drafts again, in their history too;
the audit trail's summaries of draft actions lose the draft's words; existing marks count as
given to their proposal's current version; stored compilation PDFs, which may hold a
discarded draft's words, are dropped and made again on the next request.
"""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

PRIVATE = ["draft", "discarded"]
PRIVATE_SUMMARY = "draft (its words are its delegation's own)"


def _scrubbed(summary: str) -> str:
    kind = summary.split(":", 1)[0] if ":" in summary else summary
    return f"{kind}: {PRIVATE_SUMMARY}"[:300]


def forwards(apps, schema_editor):
    Proposal = apps.get_model("drafting", "Proposal")
    HistoricalProposal = apps.get_model("drafting", "HistoricalProposal")
    ProposalMark = apps.get_model("drafting", "ProposalMark")
    HistoricalProposalMark = apps.get_model("drafting", "HistoricalProposalMark")
    AuditEvent = apps.get_model("drafting", "AuditEvent")
    RevisionFile = apps.get_model("drafting", "RevisionFile")

    # Withdrawn drafts: no version of them was ever in a status other than draft or withdrawn.
    ever_shown = HistoricalProposal.objects.exclude(status__in=["draft", "withdrawn"]).values("id")
    discarded = list(
        Proposal.objects.filter(status="withdrawn")
        .exclude(id__in=ever_shown)
        .values_list("id", flat=True)
    )
    if discarded:
        Proposal.objects.filter(id__in=discarded).update(status="discarded", submitted_at=None)
        HistoricalProposal.objects.filter(id__in=discarded, status="withdrawn").update(
            status="discarded", submitted_at=None, history_change_reason="Draft discarded"
        )

    # The audit trail keeps that a draft was written, revised or discarded, not its words.
    first_shown = {}
    for proposal_id, when in (
        HistoricalProposal.objects.exclude(status__in=[*PRIVATE, "withdrawn"])
        .order_by("id", "history_date")
        .values_list("id", "history_date")
    ):
        first_shown.setdefault(proposal_id, when)
    events = AuditEvent.objects.filter(
        proposal_id__isnull=False,
        action__in=[
            "proposal_drafted",
            "proposal_revised",
            "proposal_withdrawn",
            "proposal_submitted",
        ],
    ).only("id", "proposal_id", "action", "at", "summary")
    private_ids = set(Proposal.objects.filter(status__in=PRIVATE).values_list("id", flat=True))
    for event in events.iterator(chunk_size=2000):
        shown = first_shown.get(event.proposal_id)
        private = (
            event.proposal_id in private_ids
            or event.action == "proposal_drafted"
            or (event.action == "proposal_revised" and (shown is None or event.at < shown))
        )
        if private and event.summary != _scrubbed(event.summary):
            AuditEvent.objects.filter(pk=event.pk).update(summary=_scrubbed(event.summary))

    # Marks made so far are taken as given to the text as it stands.
    version_of = Proposal.objects.filter(pk=OuterRef("proposal_id")).values("version")[:1]
    ProposalMark.objects.update(version=Subquery(version_of))
    HistoricalProposalMark.objects.filter(proposal_id__isnull=False).update(
        version=Subquery(version_of)
    )

    RevisionFile.objects.filter(kind="compilation").delete()


def backwards(apps, schema_editor):
    Proposal = apps.get_model("drafting", "Proposal")
    for proposal in Proposal.objects.filter(status="discarded"):
        proposal.status, proposal.submitted_at = "withdrawn", proposal.updated_at
        proposal.save(update_fields=["status", "submitted_at"])



class Migration(migrations.Migration):

    dependencies = [
        ('drafting', '0012_document_version_and_undo'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='proposal',
            name='proposal_status_valid',
        ),
        migrations.RemoveConstraint(
            model_name='proposal',
            name='proposal_submitted_has_time',
        ),
        migrations.AddField(
            model_name='historicalproposal',
            name='withdrawn_after_deadline',
            field=models.BooleanField(default=False, help_text='Withdrawn when no consultation round was open (the chair was compiling).', verbose_name='withdrawn after the deadline'),
        ),
        migrations.AddField(
            model_name='historicalproposalmark',
            name='version',
            field=models.PositiveIntegerField(default=1, help_text="The proposal's version it was given to.", verbose_name='given to version'),
        ),
        migrations.AddField(
            model_name='proposal',
            name='withdrawn_after_deadline',
            field=models.BooleanField(default=False, help_text='Withdrawn when no consultation round was open (the chair was compiling).', verbose_name='withdrawn after the deadline'),
        ),
        migrations.AddField(
            model_name='proposalmark',
            name='version',
            field=models.PositiveIntegerField(default=1, help_text="The proposal's version it was given to.", verbose_name='given to version'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('signed_in', 'Signed in'), ('signed_out', 'Signed out'), ('sign_in_failed', 'Failed sign-in'), ('locked_out', 'Locked out after failed sign-ins'), ('otp_enrolled', 'Second factor set up'), ('otp_failed', 'Wrong one-time code'), ('role_changed', 'Role or membership changed'), ('account_changed', 'Account changed'), ('proposal_drafted', 'Proposal drafted'), ('proposal_submitted', 'Proposal submitted'), ('proposal_revised', 'Proposal revised'), ('proposal_withdrawn', 'Proposal withdrawn'), ('proposal_discarded', 'Draft discarded'), ('mark_set', 'Support or opposition recorded'), ('mark_cleared', 'Support or opposition cleared'), ('round_opened', 'Round opened'), ('round_reopened', 'Round reopened'), ('proposal_accepted', 'Proposal accepted'), ('proposal_accepted_changed', 'Accepted with changes'), ('proposal_rejected', 'Proposal rejected'), ('proposal_deferred', 'Proposal deferred'), ('decision_undone', 'Decision undone'), ('element_composed', 'Text composed by the chair'), ('element_inserted', 'Element inserted'), ('element_moved', 'Element moved'), ('element_status', 'Element status changed'), ('revision_issued', 'Revision issued'), ('export_requested', 'PDF export requested'), ('admin_change', 'Changed in the admin')], max_length=32, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='historicalproposal',
            name='status',
            field=models.CharField(choices=[('draft', 'draft'), ('discarded', 'discarded draft'), ('submitted', 'submitted'), ('withdrawn', 'withdrawn'), ('accepted', 'accepted'), ('accepted_with_changes', 'accepted with changes'), ('rejected', 'rejected'), ('deferred', 'deferred'), ('needs_rebase', 'needs rebase')], default='draft', max_length=24, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='proposal',
            name='status',
            field=models.CharField(choices=[('draft', 'draft'), ('discarded', 'discarded draft'), ('submitted', 'submitted'), ('withdrawn', 'withdrawn'), ('accepted', 'accepted'), ('accepted_with_changes', 'accepted with changes'), ('rejected', 'rejected'), ('deferred', 'deferred'), ('needs_rebase', 'needs rebase')], default='draft', max_length=24, verbose_name='status'),
        ),
        migrations.AddConstraint(
            model_name='proposal',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'discarded', 'submitted', 'withdrawn', 'accepted', 'accepted_with_changes', 'rejected', 'deferred', 'needs_rebase'])), name='proposal_status_valid'),
        ),
        migrations.AddConstraint(
            model_name='proposal',
            constraint=models.CheckConstraint(condition=models.Q(('submitted_at__isnull', False), ('status__in', ['draft', 'discarded']), _connector='OR'), name='proposal_submitted_has_time'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
