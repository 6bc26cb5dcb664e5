"""Signing in: password first, then a one-time code for accounts with a second factor.

The chair's office and the secretariat must prove a second factor (TOTP, django-otp) before
they can do anything else (`drafting.web.middleware.SecondFactorRequiredMiddleware`). They enrol it
when accepting their invitation (`drafting.views.invitations`), never here on a password alone:
whoever learnt the password would otherwise bind their own phone to the account. Delegates,
for whom the password is the whole credential, may add one on the set-up page. Password resets
are Django's views, throttled, with the message sent by the task worker. Failed passwords
are throttled by django-axes; wrong codes by django-otp's own throttling. Every outcome is
written to the audit trail.
"""

import base64
import time
from typing import Any, cast

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.contrib.auth.views import PasswordChangeView as DjangoPasswordChangeView
from django.contrib.auth.views import PasswordResetConfirmView as DjangoPasswordResetConfirmView
from django.contrib.auth.views import PasswordResetView as DjangoPasswordResetView
from django.core.validators import MaxLengthValidator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from drafting import mail
from drafting.access import audit, permissions, throttle
from drafting.models import AuditAction
from drafting.models.invitation import token_hash
from drafting.web.http import second_factor_verified

PENDING_KEY = "drafting_pending_second_factor"
PENDING_SECONDS = 300


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("The code is made of digits only."))
        return token


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


# Longer than any passphrase (a password manager's are 20 to 100 characters); bounded so that
# no one makes the server hash a megabyte.
MAX_PASSWORD = 4_096


def _bound_passwords(form: forms.Form, *names: str) -> None:
    for name in names:
        field = cast(forms.CharField, form.fields[name])
        field.max_length = MAX_PASSWORD
        field.validators.append(MaxLengthValidator(MAX_PASSWORD))
        field.widget.attrs["maxlength"] = str(MAX_PASSWORD)


class SignInForm(auth_forms.AuthenticationForm):
    """Django's sign-in form, with a bounded password (the username has its 150)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bound_passwords(self, "password")


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """The current password is checked like a sign-in: through django-axes, so wrong ones
    count towards the same lock-out and each is in the audit trail (they were neither)."""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        self.request = request
        super().__init__(*args, **kwargs)
        _bound_passwords(self, "old_password", "new_password1", "new_password2")

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        checked = authenticate(
            self.request, username=self.user.get_username(), password=old_password
        )
        if checked is None or checked.pk != self.user.pk:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class PasswordChangeView(DjangoPasswordChangeView):
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 422
        return response


class SignInView(LoginView):
    """Step one: the password. With a second factor, step two asks for the code."""

    authentication_form = SignInForm

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        device = _confirmed_device(user)
        if device is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "device": device.persistent_id,
            "since": time.time(),
            "next": self.get_success_url(),
        }
        return redirect("second_factor")


@never_cache
@sensitive_post_parameters("token")
def second_factor(request: HttpRequest) -> HttpResponse:
    """Step two of signing in: the one-time code of the device set up for the account."""
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["since"] > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["user"], is_active=True).first()
    device = _confirmed_device(user) if user is not None else None
    if user is None or device is None or device.persistent_id != pending["device"]:
        request.session.pop(PENDING_KEY, None)
        return redirect("login")
    form = TokenForm(request.POST or None)
    if request.method != "POST":
        return render(request, "registration/second_factor.html", {"form": form})
    if _code_accepted(form, device, user):
        del request.session[PENDING_KEY]
        user.backend = pending["backend"]
        auth_login(request, user, backend=pending["backend"])
        otp_login(request, device)
        return HttpResponseRedirect(_safe_next(request, pending["next"]))
    return render(request, "registration/second_factor.html", {"form": form}, status=422)


def _code_accepted(form: TokenForm, device: TOTPDevice, user: Any) -> bool:
    """Check the posted code against the device (throttled by django-otp); on a wrong code,
    say why next to the field and record it in the audit trail."""
    if not form.is_valid():
        return False
    allowed, _details = device.verify_is_allowed()
    if allowed and device.verify_token(form.cleaned_data["token"]):
        return True
    audit.record(action=AuditAction.SECOND_FACTOR_FAILED, user=user)
    form.add_error(
        "token",
        _("That code is not right. Wait for the next code and try again.")
        if allowed
        else _("Too many wrong codes. Wait a minute, then try again."),
    )
    return False


def qr_svg_data_uri(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode()


@never_cache
@login_required
@sensitive_post_parameters("token")
def second_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the code (or type the key), then prove it with a code."""
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    device = _confirmed_device(user)
    if device is not None:
        return _verify_enrolled(request, device, next_url)
    if permissions.requires_second_factor(user):
        # Their factor is enrolled with the invitation's one-time link, never on a password.
        return render(
            request, "registration/second_factor_setup.html", {"by_invitation": True}, status=403
        )
    device, _created = TOTPDevice.objects.get_or_create(
        user=user, confirmed=False, defaults={"name": _("Authenticator app")}
    )
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        allowed, _details = device.verify_is_allowed()
        if form.is_valid() and allowed and device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(action=AuditAction.SECOND_FACTOR_ENROLLED, user=user)
            return HttpResponseRedirect(next_url)
        if form.is_valid():
            form.add_error(
                "token",
                _("That code is not right. Check the time on your phone.")
                if allowed
                else _("Too many wrong codes. Wait a minute, then try again."),
            )
        status = 422
    if request.method != "POST":
        # The steps above the field come first (a screen reader would otherwise start past
        # them, and a phone would scroll the QR code away); after a wrong code, the field.
        form.fields["token"].widget.attrs.pop("autofocus", None)
    key = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "enrolled": False,
            "required": permissions.requires_second_factor(user),
            "key_groups": [key[i : i + 4] for i in range(0, len(key), 4)],
            "qr_code": qr_svg_data_uri(device.config_url),
            "next": next_url,
        },
        status=status,
    )


def _verify_enrolled(request: HttpRequest, device: TOTPDevice, next_url: str) -> HttpResponse:
    """The factor is set up: say so, or (signed in by password alone) ask for a code."""
    if second_factor_verified(request):
        return render(
            request, "registration/second_factor_setup.html", {"enrolled": True, "device": device}
        )
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if _code_accepted(form, device, request.user):
            otp_login(request, device)
            return HttpResponseRedirect(next_url)
        status = 422
    return render(
        request,
        "registration/second_factor.html",
        {"form": form, "next": next_url, "action": reverse("second_factor_setup")},
        status=status,
    )


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (it finds active accounts with a usable password by address, and says the
    same whether or not there is one); the message is sent by the task worker."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        path = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        mail.enqueue(
            to=to_email,
            subject=_("Choosing a new password on the drafting site"),
            template="password_reset",
            context={
                "link": mail.absolute_url(path),
                "username": context["user"].get_username(),
                "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
            },
        )


class PasswordResetView(DjangoPasswordResetView):
    """Asking for a reset link: at most ``PASSWORD_RESETS_PER_ADDRESS`` an hour from one
    client address (429 beyond) and ``PASSWORD_RESETS_PER_ACCOUNT`` an hour for one e-mail
    address (beyond, nothing is sent and the page says what it always says)."""

    form_class = PasswordResetForm

    def form_valid(self, form: Any) -> HttpResponse:
        address = audit.client_ip(self.request) or "unknown"
        hour = 60 * 60
        limit = settings.PASSWORD_RESETS_PER_ADDRESS
        if throttle.count_write("password-reset-address", address, limit=limit, seconds=hour).over:
            form.add_error(None, _("Too many requests from your address. Try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        email = form.cleaned_data["email"]
        audit.record(action=AuditAction.PASSWORD_RESET_REQUESTED, summary=f"for {email}")
        limit = settings.PASSWORD_RESETS_PER_ACCOUNT
        who = token_hash(email.strip().lower())
        if throttle.count_write("password-reset-account", who, limit=limit, seconds=hour).over:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _bound_passwords(self, "new_password1", "new_password2")


class PasswordResetConfirmView(DjangoPasswordResetConfirmView):
    form_class = SetPasswordForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(action=AuditAction.PASSWORD_RESET_DONE, user=form.user)
        return response
