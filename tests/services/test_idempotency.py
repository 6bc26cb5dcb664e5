"""Write receipts: a request carried out once, however often it is sent."""

import uuid

import pytest

from drafting.models import Element, Revision, WriteReceipt
from drafting.services.elements import element_insert
from drafting.services.idempotency import request_key
from drafting.services.revisions import revision_issue
from drafting.web.errors import AlreadyDone
from tests.factories import chairs_office

pytestmark = pytest.mark.django_db

COOPERATION = "Cooperation between exporting and importing states"


def test_an_insertion_sent_twice_with_one_key_inserts_once(bms7):
    chair = chairs_office()
    anchor = Element.objects.get(text=COOPERATION)
    key = uuid.uuid4()
    inserted = element_insert(
        user=chair, after=anchor, kind="paragraph", text="Capacity building", idempotency_key=key
    )
    with pytest.raises(AlreadyDone) as done:
        element_insert(
            user=chair,
            after=anchor,
            kind="paragraph",
            text="Capacity building",
            idempotency_key=key,
        )
    assert done.value.action == "element_insert"
    assert done.value.result == str(inserted.pk)
    assert Element.objects.filter(text="Capacity building").count() == 1


def test_without_a_key_the_service_works_as_before(bms7):
    chair = chairs_office()
    anchor = Element.objects.get(text=COOPERATION)
    for _ in range(2):
        element_insert(user=chair, after=anchor, kind="paragraph", text="Capacity building")
    assert Element.objects.filter(text="Capacity building").count() == 2
    assert WriteReceipt.objects.count() == 0


def test_a_revision_issued_twice_with_one_key_is_issued_once_and_named(bms7):
    chair = chairs_office()
    key = uuid.uuid4()
    revision_issue(issued_by=chair, document=bms7.document, cover_letter="E,", idempotency_key=key)
    with pytest.raises(AlreadyDone) as done:
        revision_issue(
            issued_by=chair, document=bms7.document, cover_letter="E,", idempotency_key=key
        )
    assert done.value.result == "1"
    assert Revision.objects.count() == 2


def test_a_refused_request_leaves_no_receipt_so_it_can_be_sent_again(bms7):
    from drafting.web.errors import ProposalInvalid

    chair = chairs_office()
    anchor = Element.objects.get(text=COOPERATION)
    key = uuid.uuid4()
    with pytest.raises(ProposalInvalid):
        element_insert(user=chair, after=anchor, kind="nonsense", text="x", idempotency_key=key)
    assert WriteReceipt.objects.count() == 0
    element_insert(user=chair, after=anchor, kind="paragraph", text="x", idempotency_key=key)
    assert WriteReceipt.objects.count() == 1


def test_keys_belong_to_their_user(bms7):
    anchor = Element.objects.get(text=COOPERATION)
    key = uuid.uuid4()
    for chair in (chairs_office(), chairs_office()):
        element_insert(user=chair, after=anchor, kind="paragraph", text="x", idempotency_key=key)
    assert Element.objects.filter(text="x").count() == 2


def test_the_request_key_is_the_forms_key_and_what_was_posted(rf):
    form_key = str(uuid.uuid4())

    def key(path="/m/bms7/decisions/", **data):
        return request_key(rf.post(path, {"idempotency_key": form_key, **data}))

    same = key(action="accept", proposal="a", csrfmiddlewaretoken="one")
    assert same == key(action="accept", proposal="a", csrfmiddlewaretoken="two")
    assert same != key(action="reject", proposal="a")
    assert same != key(action="accept", proposal="b")
    assert same != key(path="/m/other/decisions/", action="accept", proposal="a")
    assert request_key(rf.post("/", {"action": "accept"})) is None
    assert request_key(rf.post("/", {"idempotency_key": "not a uuid"})) is None
