"""The notices sent to delegations, what each person wants e-mailed, and what they have
already read or seen (notices, a working draft, a desk)."""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
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
    """When a person last saw a working draft, and at which version: the next visit lists
    the changes made by later versions (`ElementChange.document_version`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey("drafting.Document", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(_("seen at"))
    seen_version = models.PositiveBigIntegerField(
        _("version seen"),
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


class NotificationKind(models.TextChoices):
    """What a notification is about: each person chooses, per kind, how it is e-mailed."""

    ROUND = "round", _("rounds opened and deadlines changed")
    DECISION = "decision", _("decisions on our proposals, and corrections")
    REVISION = "revision", _("revisions issued")
    COSPONSORSHIP = "cosponsorship", _("co-sponsorship invitations and answers")
    MARK = "mark", _("our support or opposition to a revised text")
    # Notices written before kinds were recorded: listed, never e-mailed.
    EARLIER = "earlier", _("earlier notices")


class Notification(models.Model):
    """A message to a delegation, e.g. that its proposal was carried forward or needs a rebase.

    Created only through ``drafting.services.notifications.notify``, which also has the
    worker e-mail it to the delegation's people who want it at once."""

    delegation = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("delegation"),
    )
    proposal = models.ForeignKey(
        "drafting.Proposal",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("proposal"),
    )
    # The meeting's document, for a notice about no proposal (a round, a revision).
    document = models.ForeignKey(
        "drafting.Document",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    # Rows written before kinds (and by old migrations' data steps) are "earlier": not mailed.
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=NotificationKind.choices,
        default=NotificationKind.EARLIER,
    )
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["delegation", "-created_at"], name="notification_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.message


class MeetingVisit(models.Model):
    """When a user last opened a meeting's desk, so that the desk can say what is new since
    the visit before: one row per user and meeting, moved forward on each visit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meeting_visits",
        verbose_name=_("user"),
    )
    meeting = models.ForeignKey(
        "drafting.Meeting",
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("meeting"),
    )
    previous_visit_at = models.DateTimeField(_("visit before"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), default=timezone.now)

    class Meta:
        verbose_name = _("visit to a desk")
        verbose_name_plural = _("visits to desks")
        constraints = [
            models.UniqueConstraint(fields=["user", "meeting"], name="meeting_visit_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.meeting_id}"
