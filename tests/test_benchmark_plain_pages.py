"""The throughput benchmark's plain pages are served only by its own WSGI module, with
BENCHMARK=1, behind Django's own middleware; never by the project's URLs."""

import importlib
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured


@pytest.mark.django_db
def test_the_plain_pages_are_not_in_the_projects_urls(client, bms7):
    from tests.factories import delegate_of

    client.force_login(delegate_of("jpn"))
    assert client.get("/__plain__/list/1/").status_code == 404


def test_the_benchmark_wsgi_module_refuses_to_load_without_benchmark(monkeypatch):
    monkeypatch.delenv("BENCHMARK", raising=False)
    monkeypatch.delitem(sys.modules, "benchmarks.throughput_wsgi", raising=False)
    with pytest.raises(ImproperlyConfigured, match="BENCHMARK=1"):
        importlib.import_module("benchmarks.throughput_wsgi")


@pytest.mark.django_db
def test_the_plain_handler_runs_only_djangos_middleware():
    """Django's clickjacking header is set; the project's request id (its first middleware)
    is not. Signed out, the plain list sends to the sign-in page."""
    from io import BytesIO

    from benchmarks.plain import PlainHandler

    answers = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/__plain__/list/1/",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": BytesIO(b""),
        "wsgi.url_scheme": "http",
    }
    PlainHandler()(environ, lambda status, headers, *_: answers.append((status, dict(headers))))
    status, headers = answers[0]
    assert status.startswith("302") and "/accounts/login/" in headers["Location"]
    assert headers["X-Frame-Options"] == "DENY"
    assert "X-Request-ID" not in headers


def test_the_plain_pages_authenticate_with_djangos_own_middleware():
    """The project reads the user with its own subclass of Django's middleware
    (`access.signed_in`); the plain pages with Django's, in its place."""
    from django.conf import settings

    from benchmarks.plain import DJANGOS_AUTHENTICATION, SIGNED_IN, djangos_middleware

    plain = djangos_middleware(settings.MIDDLEWARE)
    assert SIGNED_IN in settings.MIDDLEWARE and DJANGOS_AUTHENTICATION not in settings.MIDDLEWARE
    # In its place: after the session, before the messages.
    assert (
        plain.index("django.contrib.sessions.middleware.SessionMiddleware")
        < plain.index(DJANGOS_AUTHENTICATION)
        < plain.index("django.contrib.messages.middleware.MessageMiddleware")
    )
    assert "django.contrib.sessions.middleware.SessionMiddleware" in plain
    assert all(name.startswith("django.") for name in plain)
