"""Bounds on every input, checked before any work is done.

- A request body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is answered 413 and a query
  string longer than :data:`MAX_QUERY_STRING` 414, by :class:`InputBoundsMiddleware`, before
  the body is read, a session loaded or the database asked anything. The largest form there is
  (a 20,000-character cover letter in a script that takes 9 bytes a character once encoded)
  fits well within the limit.
- Each form field has its own maximum length or range (``drafting/forms.py``,
  ``drafting/views/audit.py``); dates of rounds lie within :func:`round_date_problem`'s
  window, so that nothing the database cannot give back (year 10000) is ever stored.
"""

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

MAX_QUERY_STRING = 4_096
# Rounds open at most a year back (a round being entered late) and close within five years.
ROUND_PAST = timedelta(days=366)
ROUND_FUTURE = timedelta(days=5 * 366)
# Dates one may ask the audit trail about.
EARLIEST_DATE = date(2000, 1, 1)


def posted_number(text: str) -> int | None:
    """A whole number sent in a form or a query string ("3"), or None: ``str.isdigit`` also
    accepts "²" and 5,000 digits, which ``int`` refuses or takes seconds over."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _day(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "j F Y")


def round_date_problem(
    moment: datetime, *, what: str, now: datetime | None = None, not_before: datetime | None = None
) -> str | None:
    """Why ``moment`` cannot be a round's opening (``what="opening"``) or deadline, if so.

    An opening lies from a year ago to five years from now; a deadline after ``not_before``
    (now, when reopening) and within five years from now.
    """
    now = now or timezone.now()
    earliest = not_before or now - ROUND_PAST
    latest = now + ROUND_FUTURE
    if earliest <= moment <= latest:
        return None
    params = {"earliest": _day(earliest), "latest": _day(latest)}
    if what == "opening":
        return _("The opening must lie between %(earliest)s and %(latest)s.") % params
    return _("The deadline must lie between %(earliest)s and %(latest)s.") % params


def date_problem(day: date) -> str | None:
    """Why ``day`` cannot be asked about (a filter of the audit trail), if so."""
    latest = timezone.localdate() + ROUND_FUTURE
    if EARLIEST_DATE <= day <= latest:
        return None
    return _("Choose a date between %(earliest)s and %(latest)s.") % {
        "earliest": date_format(EARLIEST_DATE, "j F Y"),
        "latest": date_format(latest, "j F Y"),
    }


def _too_large(request: HttpRequest, status: int, size: int, limit: int) -> HttpResponse:
    html = render_to_string(
        "413.html",
        {
            "status": status,
            "size": size,
            "limit": limit,
            "is_post": request.method == "POST",
            "request_id": getattr(request, "request_id", ""),
        },
    )
    response = HttpResponse(html, status=status)
    # No "Connection: close": an application may not set a hop-by-hop header (PEP 3333), and
    # the demo's server (wsgiref) answered a bare 500 for it; servers close or drain by
    # themselves a connection whose body was left unread.
    response["Cache-Control"] = "no-store"
    return response


# The zero draft's import (``m/<slug>/import/``) takes a Word file of up to 10 MB
# (drafting.text.docx_reader.MAX_FILE_BYTES) and the form around it.
IMPORT_PATH = re.compile(r"/m/[-\w]+/import/$")
IMPORT_BODY_MAX = 10 * 1024 * 1024 + 256 * 1024


class InputBoundsMiddleware:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (:data:`IMPORT_BODY_MAX` for the import
    page): 413; a query string over :data:`MAX_QUERY_STRING` characters: 414. Nothing is
    read, loaded or stored first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if IMPORT_PATH.search(request.path_info):
            limit = IMPORT_BODY_MAX
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return _too_large(request, 413, length, limit)
        query = request.META.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_STRING:
            return _too_large(request, 414, len(query), MAX_QUERY_STRING)
        return self.get_response(request)
