"""When the database cannot be reached: a 503 that says what happened and keeps the input.

A dropped connection (the server restarted, a network blip, a backend terminated) surfaces as
``django.db.OperationalError`` or ``InterfaceError``. Nothing half-done stays behind, because
every write is one transaction, and every write form carries an idempotency key, so sending
the same form again is safe. :class:`DatabaseUnavailableMiddleware` turns such an error raised
by a view into a friendly 503 page that can send the same form again; :func:`server_error`
(``handler500``) does the same for one raised outside a view (e.g. saving the session).
Neither page touches the database.
"""

import logging
import sys

import psycopg
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger("drafting.web.outage")

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 5
# Fields whose text is shown back on the page, so that the user sees it is not lost.
TYPED_FIELDS = ("proposed_text", "rationale", "text", "new_text", "note", "cover_letter")


def retry_notice() -> str:
    return _(
        "The connection to the database dropped while your request was being handled, so it "
        "may not have been saved. Nothing you typed is lost: it is below. Send it again in a "
        "moment; if the first attempt went through after all, it will not be stored twice."
    )


def is_write_clash(error: BaseException) -> bool:
    """A deadlock or serialisation failure: PostgreSQL rolled the write back because another
    write clashed with it. The connection is fine; the answer is a conflict (409), not an
    outage. The write gate (drafting.services.gate) keeps the chair's writes from clashing;
    this is the net under it."""
    cause = error.__cause__
    # SQLSTATE class 40, "transaction rollback": 40P01 deadlock, 40001 serialisation failure.
    return isinstance(cause, psycopg.Error) and str(getattr(cause, "sqlstate", "")).startswith("40")


def forget_broken_connections() -> None:
    """Drop connections that failed, so the next query in this request connects afresh."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def unavailable_response(request: HttpRequest, error: Exception) -> HttpResponse:
    """The 503 page; for a form submission, a button sends the same form again."""
    clash = is_write_clash(error)
    forget_broken_connections()
    if clash:
        logger.error("Write clash during %s %s: %s", request.method, request.path, error)
    else:
        logger.warning("Database unavailable during %s %s: %s", request.method, request.path, error)
    resend = []
    typed = []
    if request.method == "POST":
        for name, values in request.POST.lists():
            for value in values:
                resend.append((name, value))
                if name in TYPED_FIELDS and value.strip():
                    typed.append(value)
    html = render_to_string(
        "503.html",
        {
            "path": request.get_full_path(),
            "resend": resend,
            "typed": typed,
            "is_post": request.method == "POST",
            "clash": clash,
        },
    )
    response = HttpResponse(html, status=409 if clash else 503)
    if not clash:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that lost its database connection answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_UNAVAILABLE):
            return unavailable_response(request, exception)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database outage outside a view still gets the 503 page; any other
    error the 500 page with the request's id (its traceback is logged with the same id)."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_UNAVAILABLE):
        return unavailable_response(request, error)
    html = render_to_string("500.html", {"request_id": getattr(request, "request_id", "")})
    return HttpResponseServerError(html)
