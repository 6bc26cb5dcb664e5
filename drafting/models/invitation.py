"""Invitations: how people get an account (a one-time link sent by e-mail)."""

import hashlib
from enum import StrEnum, nonmember

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InvitationState(StrEnum):
    """Where an invitation stands, from its times (not stored)."""

    # Or a Django template calls the class (Django's own Choices say the same).
    do_not_call_in_templates = nonmember(True)

    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"
    EXPIRED = "expired"


class InvitedRole(models.TextChoices):
    FOCAL_POINT = "focal_point", _("Focal point of a delegation")
    DELEGATE = "delegate", _("Delegate")
    CHAIRS_OFFICE = "chairs_office", _("Chair's office")
    SECRETARIAT = "secretariat", _("Secretariat")


# Roles that act for a delegation: the invitation names it.
DELEGATION_ROLES = (InvitedRole.FOCAL_POINT, InvitedRole.DELEGATE)
# Roles that must prove a second factor: the invitee enrols it when accepting.
SECOND_FACTOR_ROLES = (InvitedRole.CHAIRS_OFFICE, InvitedRole.SECRETARIAT)


def token_hash(token: str) -> str:
    """What is stored of an invitation's token: its SHA-256 (the token itself is only in the
    e-mail, so a copy of the database opens no invitation)."""
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """One person invited to one role, usable once, until it expires or is revoked."""

    email = models.EmailField(_("e-mail address"), max_length=254)
    role = models.CharField(_("role"), max_length=20, choices=InvitedRole.choices)
    delegation = models.ForeignKey(
        "drafting.Delegation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("delegation"),
    )
    # The meeting the invitation was sent from (its pages are where the invitee lands).
    meeting = models.ForeignKey(
        "drafting.Meeting",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("meeting"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="invitations_sent",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # The account made when the invitation was accepted; or, for an invitation to set up the
    # second factor of an existing account (``manage.py invite --account``), that account.
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("account"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=InvitedRole.values), name="invitation_role_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(role__in=[r.value for r in DELEGATION_ROLES], delegation__isnull=False)
                    | (
                        ~Q(role__in=[r.value for r in DELEGATION_ROLES])
                        & Q(delegation__isnull=True)
                    )
                ),
                name="invitation_delegation_iff_delegate",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(account__isnull=False),
                name="invitation_accepted_has_account",
            ),
        ]
        indexes = [models.Index(fields=["delegation", "-created_at"], name="invitation_recent")]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_role_display()})"

    @property
    def is_delegate_role(self) -> bool:
        return self.role in DELEGATION_ROLES

    @property
    def needs_second_factor(self) -> bool:
        return self.role in SECOND_FACTOR_ROLES

    @property
    def state(self) -> "InvitationState":
        """Accepted, revoked, expired or pending (usable)."""
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationState.EXPIRED
        return InvitationState.PENDING
