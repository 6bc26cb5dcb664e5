"""The signed-in user, read once at the start of a request rather than on first use."""

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest


class SignedInUserMiddleware(AuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware``, with ``request.user`` the user itself
    (`auth.get_user`: the session's user, checked as Django checks it) instead of a lazy
    object standing for it.

    Every request of a signed-in user reads the user (the second-factor rule, the navigation,
    the permissions), so the laziness saved nothing; and each attribute read through a lazy
    object costs a few microseconds (≈ 2.5 µs on this host, twice that through django-otp's
    own lazy object around it), some hundred times a page: on the delegation page, served
    whole from the cache, about a tenth of the request. django-otp's ``OTPMiddleware``,
    next, still wraps it to add the second factor (``is_verified``)."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)  # the session is required; ``request.auser``
        request.user = auth.get_user(request)
