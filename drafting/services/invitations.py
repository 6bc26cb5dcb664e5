"""People join by invitation; a delegate who leaves is deactivated.

- :func:`invitation_create`: the secretariat invites a delegation's focal point or a delegate,
  or a member of the chair's office or the secretariat; a focal point invites delegates of its
  own delegation. The invitee gets a one-time link by e-mail (sent by the task worker); only
  the SHA-256 of its token is stored. It expires after ``settings.INVITATION_HOURS``.
- :func:`invitation_accept`: the invitee chooses a username and a password and, for the
  chair's office and the secretariat, proves an authenticator app in the same step: the
  account is made with its second factor already confirmed, so nobody who later learns the
  password alone can enrol a device of their own.
- :func:`invitation_for_account`: from the shell, a link for an existing account of the
  chair's office or the secretariat (or a superuser) to set a password and a new device.
- :func:`invitation_revoke`, :func:`delegate_deactivate`.

Each step writes its own audit event. Lock order: the invitation row, then the account row.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from drafting import mail
from drafting.access import audit, permissions, roles
from drafting.models import (
    AuditAction,
    DelegateProfile,
    Delegation,
    Invitation,
    InvitedRole,
    Meeting,
)
from drafting.models.invitation import DELEGATION_ROLES, InvitationState, token_hash
from drafting.web.errors import DomainError, NotAllowed

ROLE_GROUP = {
    InvitedRole.FOCAL_POINT: roles.DELEGATES,
    InvitedRole.DELEGATE: roles.DELEGATES,
    InvitedRole.CHAIRS_OFFICE: roles.CHAIRS_OFFICE,
    InvitedRole.SECRETARIAT: roles.SECRETARIAT,
}


class InvitationUnusable(DomainError):
    """The link opens no invitation that can be accepted now. ``reason`` is one of
    "unknown", "expired", "accepted", "revoked"."""

    def __init__(self, reason: str, invitation: Invitation | None = None):
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


class InvitationInvalid(DomainError):
    """What the invitee typed cannot make the account; ``problems`` maps fields to messages."""

    def __init__(self, problems: dict[str, list[str]]):
        super().__init__("; ".join(m for messages in problems.values() for m in messages))
        self.problems = problems


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    # The one-time link's token: in the e-mail, never stored.
    token: str


def invitation_link(token: str) -> str:
    return mail.absolute_url(reverse("invitation_accept", args=[token]))


@transaction.atomic
def invitation_create(
    *,
    actor: Any,
    email: str,
    role: str,
    delegation: Delegation | None = None,
    meeting: Meeting | None = None,
) -> SentInvitation:
    """Invite ``email`` to ``role`` (for ``delegation`` when the role is a delegate's) and have
    the worker send the link. Earlier pending invitations to the same address are revoked
    (the newest link is the one that works).

    Raises NotAllowed when ``actor`` may not invite to that role or delegation, DomainError
    when an active account already has this address.
    """
    email = email.strip()
    if role not in InvitedRole.values:
        raise DomainError(_("Choose a role."))
    if role in DELEGATION_ROLES and delegation is None:
        raise DomainError(_("Choose the delegation the delegate acts for."))
    if role not in DELEGATION_ROLES:
        delegation = None
    if not permissions.can_invite(actor, role=role, delegation=delegation):
        raise NotAllowed(_("You may not send this invitation."))
    if get_user_model().objects.filter(email__iexact=email, is_active=True).exists():
        raise DomainError(_("Someone with this e-mail address already has an account."))
    now = timezone.now()
    earlier = list(
        Invitation.objects.select_for_update().filter(
            email__iexact=email, accepted_at=None, revoked_at=None, expires_at__gt=now
        )
    )
    if any(not permissions.can_revoke_invitation(actor, old) for old in earlier):
        # Not someone else's invitation (the secretariat's, another delegation's) revoked
        # unseen by sending one's own.
        raise DomainError(
            _("This address is already invited by someone else; only they may revoke it.")
        )
    for old in earlier:
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
        audit.record(
            action=AuditAction.INVITATION_REVOKED,
            user=actor,
            delegation_id=old.delegation_id,
            summary=old.email,
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        delegation=delegation,
        meeting=meeting,
        token_hash=token_hash(token),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_HOURS),
    )
    label = InvitedRole(role).label
    audit.record(
        action=AuditAction.INVITATION_SENT,
        user=actor,
        delegation_id=delegation.pk if delegation is not None else None,
        summary=f"{email} invited as {label}" + (f" of {delegation}" if delegation else ""),
    )
    mail.enqueue(
        to=email,
        subject=_("You are invited to the drafting site")
        + (f": {meeting.short_title}" if meeting is not None else ""),
        template="invitation",
        context={
            "link": invitation_link(token),
            "role": str(label),
            "delegation": delegation.name if delegation is not None else "",
            "meeting": meeting.title if meeting is not None else "",
            "invited_by": actor.get_full_name() or actor.get_username(),
            "hours": settings.INVITATION_HOURS,
            "second_factor": invitation.needs_second_factor,
        },
    )
    return SentInvitation(invitation=invitation, token=token)


@transaction.atomic
def invitation_for_account(*, account: Any, email: str = "") -> SentInvitation:
    """A link for an existing account of the chair's office, the secretariat or a superuser
    to choose a new password and set up its second factor (a lost phone, an account made
    before invitations, the first superuser). Only from the shell (``manage.py invite
    --account``): whoever runs it already holds the keys. Earlier pending links for the
    account are revoked; its devices are replaced when the link is used.
    """
    if not permissions.requires_second_factor(account):
        raise DomainError(_("Only accounts that need a second factor get this link."))
    email = email.strip() or account.email
    if not email:
        raise DomainError(_("The account has no e-mail address: give one."))
    now = timezone.now()
    for old in Invitation.objects.select_for_update().filter(
        account=account, accepted_at=None, revoked_at=None
    ):
        old.revoked_at = now
        old.save(update_fields=["revoked_at"])
    token = secrets.token_urlsafe(32)
    role = (
        InvitedRole.CHAIRS_OFFICE
        if permissions.is_chairs_office(account)
        else (InvitedRole.SECRETARIAT)
    )
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        account=account,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(hours=settings.INVITATION_HOURS),
    )
    audit.record(
        action=AuditAction.INVITATION_SENT,
        summary=f"{email}: second factor for {account.get_username()} (from the shell)",
    )
    mail.enqueue(
        to=email,
        subject=_("Set up your second factor on the drafting site"),
        template="invitation",
        context={
            "link": invitation_link(token),
            "role": str(InvitedRole(role).label),
            "delegation": "",
            "meeting": "",
            "invited_by": _("The site's administrator"),
            "hours": settings.INVITATION_HOURS,
            "second_factor": True,
        },
    )
    return SentInvitation(invitation=invitation, token=token)


def invitation_open(*, token: str) -> Invitation:
    """The pending invitation behind a link; raises InvitationUnusable otherwise."""
    invitation = (
        Invitation.objects.select_related("delegation", "meeting", "account")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return _usable(invitation)


def _usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationUnusable("unknown")
    state = invitation.state
    if state != InvitationState.PENDING:
        raise InvitationUnusable(state, invitation)
    return invitation


def second_factor_code_matches(key_hex: str, code: str) -> bool:
    """Whether ``code`` is what an authenticator app given ``key_hex`` shows now (or one
    30-second step either side, as django-otp's TOTP devices accept)."""
    totp = TOTP(bytes.fromhex(key_hex), step=30, t0=0, digits=6, drift=0)
    return bool(code.isdigit()) and totp.verify(int(code), tolerance=1)


@transaction.atomic
def invitation_accept(
    *,
    token: str,
    username: str,
    password: str,
    second_factor_key: str = "",
    second_factor_code: str = "",
) -> tuple[Any, TOTPDevice | None]:
    """Make the invited account (and, for the chair's office and the secretariat, its
    confirmed TOTP device from ``second_factor_key``, a hex key, proved by
    ``second_factor_code``); the invitation is used up. Returns (account, device or None).

    The password must already have passed Django's validators (the form checks them with the
    username). Locks the invitation row: two tabs accepting at once make one account.
    Raises InvitationUnusable, or InvitationInvalid naming the field at fault.
    """
    invitation = _usable(
        Invitation.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation.needs_second_factor and not (
        second_factor_key and second_factor_code_matches(second_factor_key, second_factor_code)
    ):
        raise InvitationInvalid(
            {"token": [_("That code is not right. Check the time on your phone.")]}
        )
    if invitation.account_id is not None:
        return _set_up_existing(invitation, invitation.account_id, password, second_factor_key)
    users = get_user_model()
    if users.objects.filter(username__iexact=username).exists():
        raise InvitationInvalid({"username": [_("This username is taken. Choose another.")]})
    try:
        with transaction.atomic():
            account = users.objects.create_user(
                username=username, email=invitation.email, password=password
            )
    except IntegrityError as error:
        raise InvitationInvalid(
            {"username": [_("This username is taken. Choose another.")]}
        ) from error
    account.groups.add(Group.objects.get(name=ROLE_GROUP[InvitedRole(invitation.role)]))
    if invitation.role == InvitedRole.SECRETARIAT:
        # The secretariat works in the admin too (its permissions come with its group).
        account.is_staff = True
        account.save(update_fields=["is_staff"])
    if invitation.delegation is not None:  # a delegate's or focal point's (a constraint)
        profile = DelegateProfile(
            user=account,
            delegation=invitation.delegation,
            is_focal_point=invitation.role == InvitedRole.FOCAL_POINT,
        )
        profile._change_reason = "accepted an invitation"
        profile._history_user = account
        profile.save()
    device = None
    if invitation.needs_second_factor:
        device = TOTPDevice.objects.create(
            user=account, name=_("Authenticator app"), key=second_factor_key, confirmed=True
        )
    invitation.accepted_at = timezone.now()
    invitation.account = account
    invitation.save(update_fields=["accepted_at", "account"])
    audit.record(
        action=AuditAction.INVITATION_ACCEPTED,
        user=account,
        delegation_id=invitation.delegation_id,
        summary=f"{invitation.email} as {InvitedRole(invitation.role).label}",
    )
    if device is not None:
        audit.record(action=AuditAction.SECOND_FACTOR_ENROLLED, user=account)
    return account, device


def _set_up_existing(
    invitation: Invitation, account_id: int, password: str, second_factor_key: str
) -> tuple[Any, TOTPDevice]:
    """The existing account gets the new password and the new device (its others go)."""
    account = get_user_model().objects.select_for_update().get(pk=account_id)
    if not account.is_active:
        raise InvitationUnusable("revoked", invitation)
    account.set_password(password)
    account.save(update_fields=["password"])
    TOTPDevice.objects.filter(user=account).delete()
    device = TOTPDevice.objects.create(
        user=account, name=_("Authenticator app"), key=second_factor_key, confirmed=True
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit.record(
        action=AuditAction.INVITATION_ACCEPTED,
        user=account,
        summary=f"{invitation.email}: second factor set up again",
    )
    audit.record(action=AuditAction.SECOND_FACTOR_ENROLLED, user=account)
    return account, device


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation_id: int) -> Invitation:
    """Revoke a pending invitation: its link stops working."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("delegation")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or not permissions.can_revoke_invitation(actor, invitation):
        raise NotAllowed(_("You may not revoke this invitation."))
    if invitation.state != InvitationState.PENDING:
        raise DomainError(_("This invitation is no longer pending."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(
        action=AuditAction.INVITATION_REVOKED,
        user=actor,
        delegation_id=invitation.delegation_id,
        summary=f"{invitation.email}",
    )
    return invitation


@transaction.atomic
def delegate_deactivate(*, actor: Any, account_id: int) -> Any:
    """Deactivate a delegate's account and end its sessions, and revoke the invitations it
    sent that are still pending. Its proposals, marks and history stay as they are,
    attributed to its delegation (nothing is deleted).

    Raises NotAllowed unless ``actor`` is the secretariat or a focal point of the delegate's
    delegation (see ``permissions.can_deactivate``), DomainError if already inactive.
    """
    users = get_user_model()
    now = timezone.now()
    # Its pending invitations go with it (else it could invite itself back first); locked
    # before the account, in the module's order.
    sent = list(
        Invitation.objects.select_for_update(of=("self",)).filter(
            invited_by_id=account_id, accepted_at=None, revoked_at=None, expires_at__gt=now
        )
    )
    account = (
        users.objects.select_for_update(of=("self",))
        .select_related("delegate_profile__delegation")
        .filter(pk=account_id)
        .first()
    )
    if account is None or not permissions.can_deactivate(actor, account):
        raise NotAllowed(_("You may not deactivate this account."))
    if not account.is_active:
        raise DomainError(_("This account is already deactivated."))
    account.is_active = False
    account.save(update_fields=["is_active"])
    _end_sessions(account.pk)
    for invitation in sent:
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            action=AuditAction.INVITATION_REVOKED,
            user=actor,
            delegation_id=invitation.delegation_id,
            summary=invitation.email,
        )
    audit.record(
        action=AuditAction.ACCOUNT_DEACTIVATED,
        user=actor,
        delegation_id=account.delegate_profile.delegation_id,
        summary=f"{account.get_username()} deactivated",
    )
    return account


def _end_sessions(user_id: int) -> None:
    """Delete the account's sessions (the session table has no index by user: each live
    session is read; the authentication backend refuses an inactive account anyway)."""
    live = Session.objects.filter(expire_date__gt=timezone.now())
    ended = [
        session.pk
        for session in live.iterator(chunk_size=500)
        if session.get_decoded().get("_auth_user_id") == str(user_id)
    ]
    Session.objects.filter(pk__in=ended).delete()
