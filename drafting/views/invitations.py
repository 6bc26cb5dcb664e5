"""Invitations, the invitee's first step, and deactivating a delegate who leaves.

Thin views over ``drafting.services.invitations``; every page here works without JavaScript.
The lists are reached per meeting (``m/<slug>/invitations/``) or, for the secretariat before
any meeting exists, at ``invitations/`` (the same names, without a slug).
"""

import base64
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.validators import slug_re
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.util import random_hex

from drafting.access import audit, permissions, roles, throttle
from drafting.invitation_forms import AcceptForm, InvitationForm, add_accept_problems
from drafting.models import AuditAction, Delegation, Invitation, Meeting
from drafting.services import invitations as services
from drafting.views.accounts import TokenForm, qr_svg_data_uri
from drafting.web.errors import DomainError, NotAllowed

LIST_SIZE = 200
# Wrong second-factor codes or taken usernames per invitation a minute.
ACCEPT_ATTEMPTS_PER_MINUTE = 10
SESSION_KEY = "drafting_invitation_second_factor"


def _meeting(slug: str | None) -> Meeting | None:
    return get_object_or_404(Meeting, slug=slug) if slug is not None else None


def _list_url(meeting: Meeting | None) -> str:
    if meeting is None:
        return reverse("invitation_list")
    return reverse("invitation_list", args=[meeting.slug])


def _may_invite_anyone(user: Any) -> bool:
    return permissions.can_administer(user) or permissions.is_focal_point(user)


@login_required
def invitation_list(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Pending and past invitations, and the delegates one may deactivate: the secretariat's
    (all invitations; the delegates of the delegation chosen), a focal point's (its own)."""
    meeting = _meeting(slug)
    user = request.user
    if not _may_invite_anyone(user):
        raise PermissionDenied
    invitations = Invitation.objects.select_related("delegation", "invited_by")
    delegation: Delegation | None
    if permissions.can_administer(user):
        code = request.GET.get("delegation", "")
        # Only a code is looked up (a NUL, which PostgreSQL refuses, never reaches it).
        valid = len(code) <= 40 and slug_re.fullmatch(code) is not None
        delegation = Delegation.objects.filter(code=code).first() if valid else None
    else:
        delegation = permissions.delegation_of(user)
        invitations = invitations.filter(delegation=delegation)
    delegates: list[tuple[Any, bool]] = []
    if delegation is not None:
        people = list(
            get_user_model()
            .objects.filter(delegate_profile__delegation=delegation)
            .select_related("delegate_profile__delegation")
            .order_by("-is_active", "username")[:LIST_SIZE]
        )
        # permissions.can_deactivate for every row, in two queries rather than two a row.
        manageable: set[int] = set()
        if permissions.can_manage_delegates(user, delegation):
            accounts = get_user_model().objects.filter(pk__in=[p.pk for p in people])
            if not user.is_superuser:
                accounts = roles.manageable_accounts(accounts)
            manageable = set(accounts.values_list("pk", flat=True))
        delegates = [(p, p.pk in manageable and p.pk != user.pk) for p in people]
    return render(
        request,
        "drafting/invitations.html",
        {
            "meeting": meeting,
            "invitations": list(invitations[:LIST_SIZE]),
            "delegation": delegation,
            "delegations": (
                Delegation.objects.only("code", "name") if permissions.can_administer(user) else []
            ),
            "delegates": delegates,
            "list_url": _list_url(meeting),
        },
    )


@login_required
def invitation_create(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    meeting = _meeting(slug)
    user = request.user
    if not _may_invite_anyone(user):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, actor=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                sent = services.invitation_create(
                    actor=user,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    delegation=form.cleaned_data["delegation"],
                    meeting=meeting,
                )
            except NotAllowed as error:
                raise PermissionDenied(str(error)) from error
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. The link works for %(hours)d hours.")
                    % {
                        "email": sent.invitation.email,
                        "hours": (
                            sent.invitation.expires_at - sent.invitation.created_at
                        ).total_seconds()
                        // 3600,
                    },
                )
                return HttpResponseRedirect(_list_url(meeting))
        status = 422
    return render(
        request,
        "drafting/invitation_form.html",
        {"form": form, "meeting": meeting, "list_url": _list_url(meeting)},
        status=status,
    )


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    meeting = _meeting(slug)
    try:
        services.invitation_revoke(actor=request.user, invitation_id=pk)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Invitation revoked: its link no longer works."))
    return HttpResponseRedirect(_list_url(meeting))


@login_required
@require_POST
def delegate_deactivate(
    request: HttpRequest, account_id: int, slug: str | None = None
) -> HttpResponse:
    meeting = _meeting(slug)
    try:
        account = services.delegate_deactivate(actor=request.user, account_id=account_id)
    except NotAllowed as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        messages.error(request, str(error))
        return HttpResponseRedirect(_list_url(meeting))
    messages.success(
        request,
        _("%(name)s can no longer sign in. Their proposals stay with the delegation.")
        % {"name": account.get_full_name() or account.get_username()},
    )
    url = _list_url(meeting) + "?delegation=" + account.delegate_profile.delegation.code
    return HttpResponseRedirect(url)


def _unusable(
    request: HttpRequest, reason: str, invitation: Invitation | None = None
) -> HttpResponse:
    """The page saying why the link cannot be used; an attempt to use a known invitation that
    way is recorded (opening a link is not)."""
    if request.method == "POST" and reason != "unknown":
        audit.record(
            action=AuditAction.INVITATION_REFUSED,
            user=request.user,
            delegation_id=invitation.delegation_id if invitation is not None else None,
            summary=f"{reason}: {invitation.email}" if invitation is not None else reason,
        )
    status = {"unknown": 404, "another_delegation": 403, "signed_in": 409}.get(reason, 410)
    return render(
        request, "registration/invitation_unusable.html", {"reason": reason}, status=status
    )


@never_cache
@sensitive_post_parameters("password1", "password2", "token")
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitee's one step: a username and a password, and for the chair's office and
    the secretariat an authenticator app proved with a code. Then they are signed in."""
    if len(token) > 100:
        return _unusable(request, "unknown")
    try:
        invitation = services.invitation_open(token=token)
    except services.InvitationUnusable as error:
        return _unusable(request, error.reason, error.invitation)
    refusal = _signed_in_refusal(request.user, invitation)
    if refusal:
        return _unusable(request, refusal, invitation)
    form = AcceptForm(request.POST or None, email=invitation.email, account=invitation.account)
    code_form = TokenForm(request.POST or None) if invitation.needs_second_factor else None
    key = _second_factor_key(request, invitation)
    status = 200
    if request.method == "POST":
        response = _accept(request, token, invitation, form, code_form, key)
        if response is not None:
            return response
        status = 422
    context: dict[str, Any] = {"invitation": invitation, "form": form, "code_form": code_form}
    context.update(_second_factor_context(request, invitation, key, code_form))
    return render(request, "registration/invitation_accept.html", context, status=status)


def _signed_in_refusal(user: Any, invitation: Invitation) -> str | None:
    """Why someone signed in cannot accept (an invitation is for a new session), or None."""
    if not user.is_authenticated:
        return None
    own = permissions.delegation_of(user)
    if own is not None and invitation.delegation_id not in (None, own.pk):
        return "another_delegation"
    return "signed_in"


def _second_factor_key(request: HttpRequest, invitation: Invitation) -> str:
    """The hex key of the invitee's authenticator, kept in the session per invitation so the
    QR code stays the same between attempts; "" when no second factor is asked for."""
    if not invitation.needs_second_factor:
        return ""
    keys = request.session.get(SESSION_KEY, {})
    key = keys.get(str(invitation.pk))
    if not key:
        key = random_hex(20)
        request.session[SESSION_KEY] = {**keys, str(invitation.pk): key}
    return key


def _accept(
    request: HttpRequest,
    token: str,
    invitation: Invitation,
    form: AcceptForm,
    code_form: TokenForm | None,
    key: str,
) -> HttpResponse | None:
    """Accept with what was posted: the response once signed in (or told the link is no
    longer usable), None when the forms go back with their errors."""
    attempts = throttle.count_write(
        "invitation-accept", invitation.pk, limit=ACCEPT_ATTEMPTS_PER_MINUTE
    )
    if attempts.over:
        form.add_error(None, _("Too many attempts. Wait a minute, then try again."))
        return None
    if not (form.is_valid() and (code_form is None or code_form.is_valid())):
        return None
    try:
        account, device = services.invitation_accept(
            token=token,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password1"],
            second_factor_key=key,
            second_factor_code=code_form.cleaned_data["token"] if code_form else "",
        )
    except services.InvitationUnusable as error:
        return _unusable(request, error.reason, error.invitation)
    except services.InvitationInvalid as error:
        add_accept_problems(error.problems, form, code_form)
        return None
    request.session.pop(SESSION_KEY, None)  # the key now lives on the device only
    auth_login(request, account, backend="drafting.access.backends.DelegationModelBackend")
    if device is not None:
        otp_login(request, device)
    messages.success(request, _("Welcome. Your account is ready."))
    if invitation.meeting is not None:
        return HttpResponseRedirect(reverse("working_draft", args=[invitation.meeting.slug]))
    return HttpResponseRedirect(reverse("home"))


def _second_factor_context(
    request: HttpRequest, invitation: Invitation, key: str, code_form: TokenForm | None
) -> dict[str, Any]:
    """The key to type into an authenticator app, in groups of four, and its QR code; nothing
    when no second factor is asked for."""
    if code_form is None:
        return {}
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # The app labels the account with the invitee's address (there is no username yet).
    device = TOTPDevice(user=get_user_model()(username=invitation.email), key=key)
    shown = base64.b32encode(bytes.fromhex(key)).decode()
    if request.method != "POST":
        code_form.fields["token"].widget.attrs.pop("autofocus", None)
    return {
        "key_groups": [shown[i : i + 4] for i in range(0, len(shown), 4)],
        "qr_code": qr_svg_data_uri(device.config_url),
    }
