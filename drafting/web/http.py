"""The request as this project's middleware leaves it, for the type checker."""

from typing import Any

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AppRequest(HttpRequest):
    """An ``HttpRequest`` once the middleware ran: django-htmx's ``htmx`` and our
    ``request_id`` (:mod:`drafting.web.request_log`). It annotates views; nothing makes one."""

    htmx: HtmxDetails
    request_id: str


def second_factor_verified(request: HttpRequest) -> bool:
    """Whether the user signed in with their second factor (django-otp's OTPMiddleware gives
    the user ``is_verified``; django-otp ships no type information)."""
    user: Any = request.user
    return bool(user.is_verified())
