"""What each person wants e-mailed, and what they have already read or seen."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("at once")
    DIGEST = "digest", _("in a daily digest")
    OFF = "off", _("never")


# The kinds of notice one chooses for; each is a column of MailPreference (see its fields).
MAIL_KINDS = ("round", "decision", "revision", "cosponsorship", "mark")


def _frequency(label: Any) -> models.CharField:
    return models.CharField(
        label, max_length=12, choices=MailFrequency.choices, default=MailFrequency.DIGEST
    )


class MailPreference(models.Model):
    """How one person wants each kind of notice e-mailed: for one meeting, or (``meeting``
    empty) for every meeting without a choice of its own. Without any row, focal points get
    everything at once and other delegates a daily digest (``drafting.services.notifications``).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mail_preferences"
    )
    meeting = models.ForeignKey(
        "drafting.Meeting",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("meeting"),
    )
    round = _frequency(_("rounds opened and deadlines changed"))
    decision = _frequency(_("decisions on our proposals, and corrections"))
    revision = _frequency(_("revisions issued"))
    cosponsorship = _frequency(_("co-sponsorship invitations and answers"))
    mark = _frequency(_("our support or opposition to a revised text"))

    class Meta:
        verbose_name = _("e-mail preference")
        verbose_name_plural = _("e-mail preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "meeting"], name="mail_preference_once_per_meeting"
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(meeting__isnull=True),
                name="mail_preference_once_for_all_meetings",
            ),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{kind}__in": MailFrequency.values}),
                    name=f"mail_preference_{kind}_valid",
                )
                for kind in MAIL_KINDS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.meeting or _('every meeting')})"


class ReaderState(models.Model):
    """When a person last read their delegation's notices, and up to when their daily digest
    has told them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reader_state"
    )
    notifications_read_at = models.DateTimeField(_("notifications read at"), null=True)
    digest_sent_until = models.DateTimeField(_("digest sent until"), null=True)

    class Meta:
        verbose_name = _("reader state")
        verbose_name_plural = _("reader states")

    def __str__(self) -> str:
        return str(self.user)


class DraftVisit(models.Model):
    """When a person last saw a working draft: the next visit lists what changed since."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey("drafting.Document", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("seen at"))
    seen_version = models.PositiveBigIntegerField(
        _("version seen"),
        default=0,
        help_text=_(
            "The working draft's version (Document.version) read as the page was shown: the "
            "changes made by a later version are listed on the next visit."
        ),
    )

    class Meta:
        verbose_name = _("visit to a working draft")
        verbose_name_plural = _("visits to working drafts")
        constraints = [
            models.UniqueConstraint(fields=["user", "document"], name="draft_visit_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.document_id}"
