"""The audit trail: every action, who took it, for which delegation, when and from where.

Append-only. The references carry no database constraint on purpose: a foreign key makes
PostgreSQL lock the referenced row (FOR KEY SHARE) on insert, and an audit write must never
wait on, or deadlock with, the rows a workflow step has locked (two delegations submitting on
one element did deadlock). Nothing deletes what they point to: PROTECT still refuses in Django.

Rows are written by `drafting.access.audit` (services, sign-in signals, role changes)
and never changed or deleted by anything in the product; the admin shows them read-only.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    SIGNED_IN = "signed_in", _("Signed in")
    SIGNED_OUT = "signed_out", _("Signed out")
    SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    SECOND_FACTOR_ENROLLED = "otp_enrolled", _("Second factor set up")
    SECOND_FACTOR_FAILED = "otp_failed", _("Wrong one-time code")
    ROLE_CHANGED = "role_changed", _("Role or membership changed")
    ACCOUNT_CHANGED = "account_changed", _("Account changed")
    PROPOSAL_DRAFTED = "proposal_drafted", _("Proposal drafted")
    PROPOSAL_SUBMITTED = "proposal_submitted", _("Proposal submitted")
    PROPOSAL_REVISED = "proposal_revised", _("Proposal revised")
    PROPOSAL_WITHDRAWN = "proposal_withdrawn", _("Proposal withdrawn")
    PROPOSAL_DISCARDED = "proposal_discarded", _("Draft discarded")
    MARK_SET = "mark_set", _("Position recorded")
    MARK_CLEARED = "mark_cleared", _("Position cleared")
    DECISION_REPLIED = "decision_replied", _("Reply to the chair's note")
    ROUND_OPENED = "round_opened", _("Round opened")
    ROUND_REOPENED = "round_reopened", _("Round reopened")
    PROPOSAL_ACCEPTED = "proposal_accepted", _("Proposal accepted")
    PROPOSAL_ACCEPTED_WITH_CHANGES = "proposal_accepted_changed", _("Accepted with changes")
    PROPOSAL_REJECTED = "proposal_rejected", _("Proposal rejected")
    PROPOSAL_DEFERRED = "proposal_deferred", _("Proposal deferred")
    DECISION_UNDONE = "decision_undone", _("Decision undone")
    ELEMENT_COMPOSED = "element_composed", _("Text composed by the chair")
    ELEMENT_INSERTED = "element_inserted", _("Element inserted")
    ELEMENT_MOVED = "element_moved", _("Element moved")
    ELEMENT_STATUS_SET = "element_status", _("Element status changed")
    REVISION_ISSUED = "revision_issued", _("Revision issued")
    EXPORT_REQUESTED = "export_requested", _("PDF export requested")
    ADMIN_CHANGE = "admin_change", _("Changed in the admin")
    COSPONSOR_INVITED = "cosponsor_invited", _("Invited to co-sponsor")
    COSPONSOR_ACCEPTED = "cosponsor_accepted", _("Co-sponsorship accepted")
    COSPONSOR_DECLINED = "cosponsor_declined", _("Co-sponsorship declined")
    COSPONSOR_WITHDRAWN = "cosponsor_withdrawn", _("Co-sponsorship withdrawn")
    COSPONSOR_REMOVED = "cosponsor_removed", _("Co-sponsor removed by the proposer")
    DOCUMENT_IMPORTED = "document_imported", _("Zero draft imported")
    MEETING_CREATED = "meeting_created", _("Meeting set up")
    MEETING_CHANGED = "meeting_changed", _("Meeting's setup changed")
    PARTICIPANTS_CHANGED = "participants_changed", _("Participating delegations changed")
    COORDINATOR_DESIGNATED = "coordinator_designated", _("Group coordinator designated")
    INVITATION_SENT = "invitation_sent", _("Invitation sent")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    INVITATION_REVOKED = "invitation_revoked", _("Invitation revoked")
    INVITATION_REFUSED = "invitation_refused", _("Unusable invitation link opened")
    ACCOUNT_DEACTIVATED = "account_deactivated", _("Account deactivated")
    PASSWORD_RESET_REQUESTED = "password_reset_asked", _("Password reset requested")
    PASSWORD_RESET_DONE = "password_reset_done", _("Password reset")


class AuditEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="audit_events",
    )
    # As typed at sign-in (failed sign-ins may name no existing account).
    username = models.CharField(_("username"), max_length=150, blank=True)
    delegation = models.ForeignKey(
        "drafting.Delegation",
        verbose_name=_("delegation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="audit_events",
    )
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    document = models.ForeignKey(
        "drafting.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    element = models.ForeignKey(
        "drafting.Element",
        verbose_name=_("element"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="audit_events",
    )
    proposal = models.ForeignKey(
        "drafting.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_constraint=False,
        related_name="+",
    )
    summary = models.CharField(_("what"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["user", "-at"], name="audit_user_at"),
            models.Index(fields=["delegation", "-at"], name="audit_delegation_at"),
            models.Index(fields=["element", "-at"], name="audit_element_at"),
            models.Index(fields=["document", "-at"], name="audit_document_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()}"
