"""Signing in: throttled passwords, a second factor for those who change the record, sessions
that end, and every sign-in, failure and role change in the audit trail."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from drafting.access import permissions, roles
from drafting.models import AuditAction, AuditEvent
from tests.factories import chairs_office, delegate_of, secretariat

PASSWORD = "a-long-passphrase-for-tests"


def _code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's phone shows now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def _forgive_wrong_codes(device: TOTPDevice) -> None:
    """django-otp makes each wrong code cost a growing wait; the tests do not wait."""
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()


def _sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="203.0.113.9"
    )


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_out_from_that_address(client, bms7):
    """The sixth attempt is refused with 429 even with the right password; all are audited."""
    delegate_of("jpn", username="tanaka", password=PASSWORD)
    for _attempt in range(5):
        response = _sign_in(client, "tanaka", "wrong-password")
        assert response.status_code in {200, 429}
    response = _sign_in(client, "tanaka")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED, username="tanaka")
    assert failures.count() >= 5
    assert failures.first().ip_address == "203.0.113.9"
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, username="tanaka").exists()


@pytest.mark.django_db
def test_a_good_sign_in_and_sign_out_are_recorded_with_the_address(client, bms7):
    user = delegate_of("mex", username="garcia", password=PASSWORD)
    response = _sign_in(client, "garcia")
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.SIGNED_IN, user=user)
    assert event.ip_address == "203.0.113.9"
    assert event.delegation.code == "mex"
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(action=AuditAction.SIGNED_OUT, user=user).exists()


@pytest.mark.django_db
def test_passwords_must_pass_djangos_validators(client, bms7):
    """A delegate changing their password to something weak is refused."""
    delegate_of("mex", username="garcia", password=PASSWORD)
    _sign_in(client, "garcia")
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert response.status_code == 422
    assert "too common" in response.text or "entirely numeric" in response.text


@pytest.mark.django_db
def test_an_expired_session_must_sign_in_again(client, bms7):
    """Sessions end after a negotiating day (and when the browser closes)."""
    from django.conf import settings

    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    delegate_of("mex", username="garcia", password=PASSWORD)
    _sign_in(client, "garcia")
    draft = reverse("working_draft", args=["bms7"])
    assert client.get(draft).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(draft)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@override_settings(OTP_REQUIRED=True)
def test_the_chairs_office_must_prove_a_second_factor_before_anything_else(client, bms7):
    """Without a device, every page sends the chair to the set-up page, which refuses to
    enrol one on a password alone (that is done with an invitation,
    tests/views/test_invitations.py). With one, every sign-in asks for a code; wrong codes
    are refused and logged."""
    chair = chairs_office(username="chair", password=PASSWORD)
    assert _sign_in(client, "chair").status_code == 302
    compilation = reverse("compilation", args=["bms7"])
    response = client.get(compilation)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))
    htmx = client.get(compilation, headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"].startswith(reverse("second_factor_setup"))
    setup = client.get(response["Location"])
    assert setup.status_code == 403
    assert "Ask the secretariat to invite you" in setup.text
    assert not TOTPDevice.objects.filter(user=chair).exists()

    # An account that has its device (from an invitation, or set up before invitations).
    device = TOTPDevice.objects.create(user=chair, name="Phone", confirmed=True)
    client.post(reverse("logout"))
    step_one = _sign_in(client, "chair")
    assert step_one.status_code == 302
    assert step_one["Location"] == reverse("second_factor")
    assert "_auth_user_id" not in client.session  # not signed in on a password alone
    refused = client.post(reverse("second_factor"), {"token": "123456"})
    assert refused.status_code == 422
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_FAILED).exists()
    _forgive_wrong_codes(device)
    signed_in = client.post(reverse("second_factor"), {"token": _code(device, steps_ahead=1)})
    assert signed_in.status_code == 302
    assert client.get(compilation).status_code == 200


@pytest.mark.django_db
@override_settings(OTP_REQUIRED=True)
def test_a_second_factor_is_optional_for_delegates(client, bms7):
    delegate_of("jpn", username="tanaka", password=PASSWORD)
    _sign_in(client, "tanaka")
    assert client.get(reverse("working_draft", args=["bms7"])).status_code == 200
    page = client.get(reverse("second_factor_setup"))
    assert page.status_code == 200
    assert "optional for delegates" in page.text


@pytest.mark.django_db
@override_settings(OTP_REQUIRED=True)
def test_the_admin_cannot_be_entered_on_a_password_alone(client, bms7):
    """/admin/login/ is the same two-step sign-in; the secretariat needs its second factor."""
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    secretariat(username="clerk", password=PASSWORD)
    _sign_in(client, "clerk")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("second_factor_setup"))


@pytest.mark.django_db
def test_role_changes_are_recorded_with_who_made_them(bms7):
    """Adding someone to the chair's office is in the audit trail, even from a shell."""
    user = delegate_of("ken", username="otieno")
    user.groups.add(Group.objects.get(name=roles.CHAIRS_OFFICE))
    event = AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED).latest("id")
    assert "otieno added to Chair's office" in event.summary
    user.is_superuser = True
    user.save()
    account = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_CHANGED).latest("id")
    assert "superuser status no → yes" in account.summary


@pytest.mark.django_db
def test_the_signed_in_user_comes_with_their_delegation_in_one_query(
    client, bms7, django_assert_num_queries
):
    """Every page asks which delegation the reader acts for, and in which role: the backend
    reads both with the user. A deactivated account is signed out."""
    from drafting.access.backends import DelegationModelBackend

    japan, chair = delegate_of("jpn"), chairs_office()
    backend = DelegationModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(japan.pk)
        assert user.delegate_profile.delegation.code == "jpn"
        assert permissions.role_names(user) == {roles.DELEGATES}
    with django_assert_num_queries(1):
        signed_in = backend.get_user(chair.pk)
        assert getattr(signed_in, "delegate_profile", None) is None
        assert permissions.role_names(signed_in) == {roles.CHAIRS_OFFICE}
    chair.groups.clear()
    with django_assert_num_queries(1):
        assert permissions.role_names(backend.get_user(chair.pk)) == frozenset()
    japan.is_active = False
    japan.save()
    assert backend.get_user(japan.pk) is None
    assert backend.get_user(10**9) is None
