"""The signed-in user is read at the start of each request (`access.signed_in`), as Django's
own middleware reads it, but as the user itself rather than a lazy object standing for it."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from drafting.access.signed_in import SignedInUserMiddleware
from tests.factories import delegate_of

pytestmark = pytest.mark.django_db


def _through_middleware(session_key: str | None):
    request = RequestFactory().get("/")
    if session_key:
        request.COOKIES[settings.SESSION_COOKIE_NAME] = session_key
    SessionMiddleware(lambda request: HttpResponse()).process_request(request)
    SignedInUserMiddleware(lambda request: HttpResponse()).process_request(request)
    return request


def test_the_signed_in_user_is_the_user_itself(bms7):
    kenya = delegate_of("ken")
    client = Client()
    client.force_login(kenya)
    request = _through_middleware(client.session.session_key)
    # type(), not isinstance(): a lazy object passes isinstance() for what it stands for.
    assert type(request.user) is get_user_model()
    assert request.user.pk == kenya.pk
    # Read with its delegation and roles in the same statement (`access.backends`).
    assert request.user.delegate_profile.delegation.code == "ken"


def test_signed_out_or_after_a_password_change_the_reader_is_anonymous(bms7):
    assert type(_through_middleware(None).user) is AnonymousUser
    kenya = delegate_of("ken")
    client = Client()
    client.force_login(kenya)
    kenya.set_password("a new password nobody else knows")
    kenya.save()
    # Django's check of the session against the password is kept.
    assert type(_through_middleware(client.session.session_key).user) is AnonymousUser


def test_it_takes_the_place_of_djangos_middleware_before_django_otps():
    middleware = settings.MIDDLEWARE
    assert "django.contrib.auth.middleware.AuthenticationMiddleware" not in middleware
    assert middleware.index("drafting.access.signed_in.SignedInUserMiddleware") < middleware.index(
        "django_otp.middleware.OTPMiddleware"
    )


def test_pages_still_know_the_reader(bms7):
    client = Client()
    client.force_login(delegate_of("ken", first_name="Wanjiru", last_name="Mwangi"))
    page = client.get(reverse("delegation_page", args=["bms7"]))
    assert page.status_code == 200 and "Wanjiru Mwangi" in page.text
