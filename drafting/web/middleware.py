"""Request-wide rules that no single view should have to remember."""

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
