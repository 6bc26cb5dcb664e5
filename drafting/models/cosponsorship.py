"""Co-sponsorship by consent: a delegation is named as co-sponsor only once it accepts.

``Proposal.co_sponsors`` holds the accepted co-sponsors only, the ones every page shows;
each name the proposing delegation gives is a :class:`CoSponsorInvitation`, whose history
records every step with who took it.
"""

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


class InvitationStatus(models.TextChoices):
    NAMED = "named", _("named in a draft (not sent)")
    INVITED = "invited", _("invited, awaiting reply")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn by the co-sponsor")
    REMOVED = "removed", _("removed by the proposing delegation")


# Names the proposing delegation still gives (shown in its form as its list of co-sponsors).
NAMED_STATUSES = frozenset(
    {InvitationStatus.NAMED, InvitationStatus.INVITED, InvitationStatus.ACCEPTED}
)
# What the invited delegation sees on its page (a draft's names are never sent).
SENT_STATUSES = frozenset(InvitationStatus.values) - {
    InvitationStatus.NAMED,
    InvitationStatus.REMOVED,
}


class CoSponsorInvitation(models.Model):
    """One delegation named as co-sponsor of one proposal, and where its consent stands."""

    proposal = models.ForeignKey(
        "drafting.Proposal",
        on_delete=models.CASCADE,
        related_name="cosponsor_invitations",
        verbose_name=_("proposal"),
    )
    delegation = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.PROTECT,
        related_name="cosponsor_invitations",
        verbose_name=_("invited delegation"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.NAMED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("named by"),
    )
    invited_at = models.DateTimeField(_("invitation sent at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("co-sponsorship invitation")
        verbose_name_plural = _("co-sponsorship invitations")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "delegation"], name="cosponsor_invitation_unique"
            ),
            models.CheckConstraint(
                condition=Q(status__in=InvitationStatus.values),
                name="cosponsor_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(invited_at__isnull=False)
                | Q(status__in=[InvitationStatus.NAMED, InvitationStatus.REMOVED]),
                name="cosponsor_invitation_sent_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["delegation", "status"], name="cosponsor_invitation_deleg"),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} · {self.get_status_display()} · {self.proposal_id}"

    @property
    def is_invited(self) -> bool:
        return self.status == InvitationStatus.INVITED

    @property
    def is_accepted(self) -> bool:
        return self.status == InvitationStatus.ACCEPTED
