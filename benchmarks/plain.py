"""Plain Django pages to hold the app's pages against (``benchmarks/throughput.py``).

What Django itself costs for a signed-in page of a given size, served by the same gunicorn in
the same run: each view does one query for N rows and renders a plain template, behind only
the middleware classes that Django ships (``PlainHandler``), never the project's own. Served
only by ``benchmarks.throughput_wsgi`` with ``BENCHMARK=1``; never in the production URLs.

- ``GET /__plain__/list/<rows>/``: the first ``rows`` proposals (id and text), at most 5,000;
- ``POST /__plain__/insert/``: one write receipt inserted for the posted idempotency key in
  one transaction (a key sent again inserts nothing), answered with a redirect.
"""

import uuid
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.template import Engine, RequestContext
from django.urls import include, path
from django.views.decorators.http import require_POST, require_safe

from drafting.models import Proposal, WriteReceipt

PREFIX = "/__plain__/"
SIGNED_IN = "drafting.access.signed_in.SignedInUserMiddleware"
DJANGOS_AUTHENTICATION = "django.contrib.auth.middleware.AuthenticationMiddleware"
MOST_ROWS = 5000

# A template engine of its own: Django's context processors only, none of the project's.
ENGINE = Engine(
    dirs=[str(Path(__file__).resolve().parent / "templates")],
    context_processors=[
        "django.template.context_processors.csrf",
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ],
)


@login_required
@require_safe
def plain_list(request: HttpRequest, rows: int) -> HttpResponse:
    proposals = list(
        Proposal.objects.order_by("pk").values_list("id", "proposed_text")[: min(rows, MOST_ROWS)]
    )
    template = ENGINE.get_template("plain_list.html")
    return HttpResponse(template.render(RequestContext(request, {"proposals": proposals})))


@login_required
@require_POST
def plain_insert(request: HttpRequest) -> HttpResponse:
    try:
        key = uuid.UUID(request.POST.get("idempotency_key", ""))
    except ValueError:
        return HttpResponseBadRequest()
    with transaction.atomic():
        WriteReceipt.objects.get_or_create(
            user=request.user, key=key, defaults={"action": "plain insert"}
        )
    return HttpResponseRedirect(f"{PREFIX}list/1/")


urlpatterns = [
    path("__plain__/list/<int:rows>/", plain_list),
    path("__plain__/insert/", plain_insert),
    # Only requests under PREFIX come here; the project's URLs are for reversing names (the
    # sign-in page a signed-out request is sent to).
    path("", include("bms7.urls")),
]


def djangos_middleware(project: list[str]) -> list[str]:
    """The project's middleware classes that Django ships, in order: Django's own
    ``AuthenticationMiddleware`` where the project has its subclass (`access.signed_in`)."""
    return [
        DJANGOS_AUTHENTICATION if name == SIGNED_IN else name
        for name in project
        if name.startswith("django.") or name == SIGNED_IN
    ]


class PlainHandler(WSGIHandler):
    """Django's WSGI handler with only Django's own middleware and these URLs."""

    def load_middleware(self, is_async: bool = False) -> None:
        from django.conf import settings

        project = settings.MIDDLEWARE
        settings.MIDDLEWARE = djangos_middleware(project)
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = project

    def get_response(self, request: HttpRequest) -> HttpResponse:
        request.urlconf = __name__
        return super().get_response(request)
