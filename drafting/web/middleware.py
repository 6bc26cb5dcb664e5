"""Request-wide rules that no single view should have to remember."""

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from drafting.access import permissions
from drafting.web.http import second_factor_verified


class SecondFactorRequiredMiddleware:
    """The chair's office and the secretariat act only after proving a second factor.

    Until they have, every page but signing out and setting up the factor sends them to the
    set-up page (htmx requests are told to go there with ``HX-Redirect``).
    Off when ``settings.OTP_REQUIRED`` is false (local demo).
    """

    EXEMPT_URL_NAMES = ("second_factor_setup", "second_factor", "logout", "login")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            settings.OTP_REQUIRED
            and user.is_authenticated
            and not second_factor_verified(request)
            and permissions.requires_second_factor(user)
            and not request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
            and request.path not in {reverse(name) for name in self.EXEMPT_URL_NAMES}
        ):
            target = (
                reverse("second_factor_setup") + "?" + urlencode({"next": request.get_full_path()})
            )
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)


class ReadYourWritesMiddleware:
    """Whoever has just written reads live pages for a few seconds.

    Delegates' views of the working draft and compilation may come from a copy up to
    ``settings.READ_COPY_SECONDS`` old (`drafting.render.page_cache.recent_copy`). After a write
    that went through (any unsafe method answered below 400) the writer's browser gets a
    short-lived cookie, and the pages read live while it lasts: a delegate who has just
    submitted finds the proposal on the next page. The cookie only chooses live over a copy;
    it grants nothing.
    """

    SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        seconds = settings.READ_COPY_SECONDS
        if (
            seconds > 0
            and request.method not in self.SAFE_METHODS
            and response.status_code < 400
            and request.user.is_authenticated
        ):
            response.set_cookie(
                live_cookie_name(),
                "1",
                max_age=math.ceil(seconds) + 1,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def live_cookie_name() -> str:
    # Behind TLS, like the session cookie: only this host, over HTTPS, for the whole site.
    return "__Host-live" if settings.SESSION_COOKIE_SECURE else "live"


def reads_live(request: HttpRequest) -> bool:
    """Whether this request's pages must be made now rather than taken from a recent copy:
    always for those who decide or administer, and for a while after one's own write."""
    return not permissions.is_delegate(request.user) or live_cookie_name() in request.COOKIES
