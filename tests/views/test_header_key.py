"""What a page's header shows of its reader, as the key of the pages kept whole."""

import gc
import weakref

from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from drafting.web.context_processors import reader_header_key


def test_the_readers_key_keeps_no_request_alive():
    """Each request is let go once answered: remembering the key per request (it was, in an
    unbounded cache keyed by the request) kept every request of a public page in memory."""
    request = RequestFactory().get("/m/bms7/revisions/1/", {"x": "1"})
    request.user = AnonymousUser()
    key = reader_header_key(request, request.path)
    assert key.startswith("anonymous:") and key.endswith(":/m/bms7/revisions/1/")
    kept = weakref.ref(request)
    del request
    gc.collect()
    assert kept() is None


def test_signed_out_readers_of_two_pages_have_two_keys():
    factory = RequestFactory()
    first, second = factory.get("/m/bms7/revisions/1/"), factory.get("/m/bms7/revisions/2/")
    first.user = second.user = AnonymousUser()
    assert reader_header_key(first, first.path) != reader_header_key(second, second.path)
