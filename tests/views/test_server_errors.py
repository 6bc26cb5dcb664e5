"""A server error is never silent (issue #14, point 7).

Reproduction: a 500 in production left no log line (LOGGING had no handler for
``django.request``). Now, with DEBUG off, every 500 writes its traceback to stderr with the
request's id, the error page shows that id, and the ADMINS get it by mail when set.
"""

import io
import logging
import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.views.urls_raising")]


@pytest.fixture
def stderr_log():
    """What the console handler of ``django.request`` writes (to stderr in production)."""
    assert settings.LOGGING["handlers"]["console"]["stream"] == "ext://sys.stderr"
    handlers = [
        handler
        for handler in logging.getLogger("django.request").handlers
        if type(handler) is logging.StreamHandler
    ]
    assert handlers, "django.request has no handler writing to a stream"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@override_settings(DEBUG=False)
def test_a_500_logs_its_traceback_with_the_request_id_shown_on_the_page(stderr_log):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", headers={"X-Request-ID": "edge-7f3a.42"})
    assert response.status_code == 500
    assert response["X-Request-ID"] == "edge-7f3a.42"
    assert "edge-7f3a.42" in response.text
    assert "Something went wrong" in response.text
    log = stderr_log.getvalue()
    assert "[request edge-7f3a.42]" in log
    assert "Internal Server Error: /boom/" in log
    assert "Traceback (most recent call last)" in log
    assert "RuntimeError: the interpreters' booth is on fire" in log


@override_settings(DEBUG=False)
@pytest.mark.parametrize("offered", ["", "<script>alert(1)</script>", "x" * 129, "a b", "é"])
def test_an_insane_request_id_is_replaced_by_a_fresh_one(stderr_log, offered):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", headers={"X-Request-ID": offered} if offered else {})
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert request_id in response.text
    assert f"[request {request_id}]" in stderr_log.getvalue()
    if offered:
        assert offered not in stderr_log.getvalue()


@override_settings(DEBUG=False, ADMINS=["ops@example.org"])
def test_the_admins_are_mailed_the_traceback_and_the_id(stderr_log):
    client = Client(raise_request_exception=False)
    client.get("/boom/", headers={"X-Request-ID": "mail-check-1"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@example.org"]
    assert "mail-check-1" in message.body
    assert "Traceback" in message.body
    assert "the interpreters' booth is on fire" in message.body


@override_settings(DEBUG=False)
def test_without_admins_no_mail_and_every_response_carries_its_id(client, bms7, stderr_log):
    response = client.get("/")
    assert response.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    Client(raise_request_exception=False).get("/boom/")
    assert mail.outbox == []
