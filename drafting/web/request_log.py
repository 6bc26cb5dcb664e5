"""A server error is never silent: every request has an id, and every log line carries it.

:class:`RequestIdMiddleware` (first in the stack) takes the id from the ``X-Request-ID``
header when a proxy sent a sane one (letters, digits, ``.``, ``_``, ``-``, ``:``, at most 128),
otherwise makes a fresh one; it is on ``request.request_id``, in the response's
``X-Request-ID`` header, and, through :class:`RequestIdFilter`, in every log line written
while the request is handled. The 500 page shows it, so that a person reporting an error can
quote it and the traceback on stderr (and in the ADMINS' mail) can be found by it.
"""

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

from drafting.web.http import AppRequest

HEADER = "X-Request-ID"
SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")
_current: ContextVar[str] = ContextVar("request_id", default="-")


def request_id_of(request: HttpRequest) -> str:
    """The request's id: the proxy's when sane, otherwise a new one."""
    offered = request.headers.get(HEADER, "")
    return offered if SANE.match(offered) else uuid.uuid4().hex


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: AppRequest) -> HttpResponse:
        request.request_id = request_id_of(request)
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request.request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record: the record's request's, else the current one."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or _current.get()
        return True
