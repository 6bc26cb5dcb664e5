"""Meetings, delegations and the delegates who act for them."""

from typing import TYPE_CHECKING
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def validate_time_zone(name: str) -> None:
    """An IANA time zone name this server knows ("Europe/Geneva")."""
    if name not in available_timezones():
        raise ValidationError(_("Choose a time zone from the list."), code="time_zone")


class Meeting(models.Model):
    slug = models.SlugField(_("slug"), max_length=40, unique=True)
    title = models.CharField(_("full title"), max_length=500)
    short_title = models.CharField(_("short title"), max_length=100)
    venue = models.CharField(_("venue"), max_length=200)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    chair = models.CharField(_("chair"), max_length=300, blank=True)
    symbol_prefix = models.CharField(
        _("document symbol prefix"),
        max_length=100,
        help_text=_("For example A/CONF.192/BMS/2021/WP.1"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="America/New_York",
        validators=[validate_time_zone],
        help_text=_("Deadlines are entered, and every time is shown, in the venue's time zone."),
    )
    delegations = models.ManyToManyField(
        "drafting.Delegation",
        through="drafting.Participation",
        related_name="meetings",
        blank=True,
        verbose_name=_("participating delegations"),
    )
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="meeting_dates_in_order"
            )
        ]

    def __str__(self) -> str:
        return self.short_title


class DelegationKind(models.TextChoices):
    MEMBER_STATE = "member_state", _("Member State")
    OBSERVER_STATE = "observer_state", _("observer State")
    GROUP = "group", _("group of States")
    IGO = "igo", _("intergovernmental organization")


# Delegations that speak for others: they propose "on behalf of", they never co-sponsor.
GROUP_KINDS = (DelegationKind.GROUP, DelegationKind.IGO)


class Delegation(models.Model):
    """A State, an observer State, or a group speaking on behalf of its members."""

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("ISO 3166 alpha-3 for States")
    )
    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=DelegationKind.choices)
    members = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="groups",
        blank=True,
        verbose_name=_("member delegations"),
        help_text=_("For a group or organization: the delegations it speaks for."),
    )
    history = HistoricalRecords(m2m_fields=[members])
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DelegationKind.values), name="delegation_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def is_group(self) -> bool:
        return self.kind in GROUP_KINDS


class Participation(models.Model):
    """A delegation taking part in a meeting: only participants propose, co-sponsor, mark and
    are listed in the compilation. The secretariat chooses them (by default every Member State
    and observer State, plus the groups and organizations it picks)."""

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("meeting"),
    )
    delegation = models.ForeignKey(
        Delegation,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("delegation"),
    )
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("participating delegation")
        verbose_name_plural = _("participating delegations")
        ordering = ["meeting", "delegation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "delegation"], name="participation_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegation} at {self.meeting}"


class DelegateProfile(models.Model):
    """A delegate acts for exactly one delegation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegate_profile"
    )
    delegation = models.ForeignKey(
        Delegation, on_delete=models.PROTECT, related_name="delegates", verbose_name=_("delegation")
    )
    is_focal_point = models.BooleanField(
        _("focal point"),
        default=False,
        help_text=_("The focal point invites and deactivates its delegation's delegates."),
    )
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")

    def __str__(self) -> str:
        return f"{self.user} ({self.delegation})"


class GroupCoordinator(models.Model):
    """The delegation the secretariat designated to speak for a group at one meeting.

    Only the coordinator proposes "on behalf of" the group: membership alone is not enough.
    """

    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        related_name="group_coordinators",
        verbose_name=_("meeting"),
    )
    group = models.ForeignKey(
        Delegation,
        on_delete=models.PROTECT,
        related_name="coordinators",
        verbose_name=_("group"),
        limit_choices_to={"kind__in": GROUP_KINDS},
    )
    delegation = models.ForeignKey(
        Delegation,
        on_delete=models.PROTECT,
        related_name="groups_coordinated",
        verbose_name=_("coordinator"),
        limit_choices_to={"kind__in": [DelegationKind.MEMBER_STATE, DelegationKind.OBSERVER_STATE]},
        help_text=_("A State member of the group, which speaks for it at this meeting."),
    )
    history = HistoricalRecords()
    # The history row's author and reason, set before save() (simple_history has no types).
    _history_user: "AbstractBaseUser | None"
    _change_reason: str

    class Meta:
        verbose_name = _("group coordinator")
        verbose_name_plural = _("group coordinators")
        ordering = ["meeting", "group__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "group"], name="group_coordinator_one_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.delegation} for {self.group}"

    def clean(self) -> None:
        if self.group_id is None or self.delegation_id is None:
            return
        if not self.group.is_group:
            raise ValidationError({"group": _("Choose a group of States or an organization.")})
        if self.delegation.is_group:
            raise ValidationError({"delegation": _("A group cannot coordinate another group.")})
        if not self.group.members.filter(pk=self.delegation_id).exists():
            raise ValidationError(
                {
                    "delegation": _("%(delegation)s is not a member of %(group)s.")
                    % {"delegation": self.delegation.short_name, "group": self.group.short_name}
                }
            )
