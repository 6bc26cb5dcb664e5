"""The database connection dropping in the middle of a write, with PostgreSQL itself.

The app's backend is terminated from a second connection at a commit (tests/connection_drops.py):
the user gets a 503 page that keeps what they typed, sends it again, and exactly one proposal
or change exists afterwards. "reply_lost" is the hard case: the write was committed but the
app was told the connection broke, so the retry must recognise it instead of doing it again.
"""

import re
import uuid
from html import unescape
from html.parser import HTMLParser

import pytest
from django.db import OperationalError
from django.urls import reverse

from drafting.models import (
    Element,
    ElementChange,
    Proposal,
    ProposalStatus,
    Revision,
    WriteReceipt,
)
from drafting.services.proposals import ProposalContent, proposal_create
from tests.connection_drops import dropped_at_commit
from tests.factories import chairs_office, delegate_of, issue_form_fields

pytestmark = pytest.mark.django_db(transaction=True)

PROPOSED = "Effective [and transparent] control over SALW"
COOPERATION = "Cooperation between exporting and importing states"


class _ResendForm(HTMLParser):
    """The 503 page's "Send it again" form: its action and hidden fields."""

    def __init__(self):
        super().__init__()
        self.action, self.fields = None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("method") == "post":
            self.action = attrs["action"]
        elif tag == "input" and attrs.get("type") == "hidden" and self.action is not None:
            self.fields.append((attrs["name"], attrs.get("value", "")))


def _send_again(client, page):
    """Press "Send it again" on the 503 page: the same fields, posted to the same address."""
    form = _ResendForm()
    form.feed(page.text)
    assert form.action, "the 503 page offers no way to send the form again"
    data: dict[str, list[str]] = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    return client.post(form.action, data)


def _assert_friendly_503(response):
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "Traceback" not in response.text
    assert "OperationalError" not in response.text
    assert "Nothing you typed is lost" in response.text


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text="Effective control over SALW")


def _propose_data(theme):
    return {
        "kind": "amend",
        "proposed_text": PROPOSED,
        "base_text_seen": theme.text,
        "idempotency_key": str(uuid.uuid4()),
        "action": "submit",
        "rationale": "Transparency matters.",
    }


@pytest.mark.parametrize(
    ("commit", "when", "left_behind"),
    [
        # While the round is open a submission is one transaction. Lost: nothing is stored.
        (1, "before", None),
        # The submission is committed but its reply is lost.
        (1, "reply_lost", ProposalStatus.SUBMITTED),
    ],
)
def test_a_submission_cut_off_is_answered_503_with_the_form_and_stored_once_on_retry(
    client, theme, round_1, commit, when, left_behind
):
    client.force_login(delegate_of("jpn"))
    url = reverse("propose", args=["bms7", theme.pk])
    data = _propose_data(theme)
    with dropped_at_commit(commit, when) as drop:
        response = client.post(url, data)
    assert drop["dropped"]
    _assert_friendly_503(response)
    # The form comes back with what was typed, under the same key.
    assert PROPOSED in unescape(response.text)
    assert "Transparency matters." in response.text
    assert data["idempotency_key"] in response.text
    stored = list(Proposal.objects.values_list("status", flat=True))
    assert stored == ([left_behind] if left_behind else [])

    retried = client.post(url, data)
    assert retried.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.proposed_text == PROPOSED
    assert retried["Location"].endswith(f"/proposals/{proposal.public_id}/")


@pytest.fixture
def submitted(theme, round_1):
    return proposal_create(
        user=delegate_of("mex"),
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=PROPOSED),
    )


@pytest.mark.parametrize("when", ["before", "reply_lost"])
def test_a_quick_accept_cut_off_is_applied_once_when_sent_again(client, theme, submitted, when):
    client.force_login(chairs_office())
    data = {
        "proposal": str(submitted.public_id),
        "action": "accept",
        "note": "",
        "back": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    with dropped_at_commit(1, when):
        response = client.post(reverse("quick_decision", args=["bms7"]), data)
    _assert_friendly_503(response)
    assert ElementChange.objects.count() == (1 if when == "reply_lost" else 0)

    retried = _send_again(client, response)
    assert retried.status_code == 302
    theme.refresh_from_db()
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.ACCEPTED
    assert theme.text == PROPOSED
    assert ElementChange.objects.filter(element=theme).count() == 1
    assert theme.history.filter(history_change_reason__startswith="Accepted").count() == 1
    followed = client.get(retried["Location"])
    expected = "already done" if when == "reply_lost" else "Accepted."
    assert expected in followed.text


def _review(client, element, data):
    return client.post(
        reverse("element_review", args=["bms7", element.pk]),
        {"idempotency_key": str(uuid.uuid4()), "note": "", **data},
    )


def test_an_accept_on_the_review_page_whose_reply_is_lost_is_not_applied_twice(
    client, theme, submitted
):
    client.force_login(chairs_office())
    data = {"action": "accept", "proposal": str(submitted.public_id)}
    data["idempotency_key"] = str(uuid.uuid4())
    with dropped_at_commit(1, "reply_lost"):
        first = _review(client, theme, data)
    _assert_friendly_503(first)
    retried = _send_again(client, first)
    assert retried.status_code == 302
    assert ElementChange.objects.count() == 1
    assert WriteReceipt.objects.get().action == "proposal_accept"


def test_a_composed_text_whose_reply_is_lost_is_not_taken_for_someone_elses_change(
    client, theme, submitted
):
    """Without the key, the retry would be told that "someone" changed the element."""
    client.force_login(chairs_office())
    text = "Effective [and verifiable / and transparent] control over SALW"
    data = {
        "action": "compose",
        "text": text,
        "expected_text": theme.text,
        "proposal": str(submitted.public_id),
    }
    data["idempotency_key"] = str(uuid.uuid4())
    with dropped_at_commit(1, "reply_lost"):
        first = _review(client, theme, data)
    _assert_friendly_503(first)
    assert text in unescape(first.text)  # what the chair wrote is on the page
    retried = _send_again(client, first)
    assert retried.status_code == 302
    theme.refresh_from_db()
    assert theme.text == text
    assert ElementChange.objects.filter(element=theme).count() == 1
    submitted.refresh_from_db()
    assert submitted.status == ProposalStatus.ACCEPTED_WITH_CHANGES


def test_an_insertion_whose_reply_is_lost_inserts_one_element(client, bms7):
    anchor = Element.objects.get(text=COOPERATION)
    client.force_login(chairs_office())
    before = Element.objects.count()
    data = {"action": "insert", "new_kind": "paragraph", "new_text": "Capacity building"}
    data["idempotency_key"] = str(uuid.uuid4())
    with dropped_at_commit(1, "reply_lost"):
        first = _review(client, anchor, data)
    _assert_friendly_503(first)
    assert _send_again(client, first).status_code == 302
    assert Element.objects.count() == before + 1
    assert Element.objects.filter(text="Capacity building").count() == 1


def test_a_move_whose_reply_is_lost_moves_the_element_once(client, bms7):
    element = Element.objects.get(text=COOPERATION)
    siblings = list(
        Element.objects.filter(parent_id=element.parent_id)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    index = siblings.index(element.pk)
    assert index >= 2, "the drill needs two elements above"
    client.force_login(chairs_office())
    data = {"action": "up", "idempotency_key": str(uuid.uuid4())}
    with dropped_at_commit(1, "reply_lost"):
        first = _review(client, element, data)
    _assert_friendly_503(first)
    assert _send_again(client, first).status_code == 302
    order = list(
        Element.objects.filter(parent_id=element.parent_id)
        .order_by("position")
        .values_list("pk", flat=True)
    )
    assert order.index(element.pk) == index - 1
    assert ElementChange.objects.filter(action="move").count() == 1


@pytest.mark.django_db  # no connection is dropped: a rollback is enough
def test_a_different_request_from_the_same_page_is_not_mistaken_for_a_retry(
    client, theme, submitted
):
    """The key is per form *and* content: rejecting after accepting from one stale page is
    judged on its own (here refused: the proposal is already accepted)."""
    client.force_login(chairs_office())
    key = str(uuid.uuid4())
    common = {"proposal": str(submitted.public_id), "idempotency_key": key}
    assert _review(client, theme, {**common, "action": "accept"}).status_code == 302
    refused = _review(client, theme, {**common, "action": "reject"})
    assert refused.status_code == 422  # refused input is 422 (see the fuzz)
    assert "cannot be decided now" in refused.text
    assert "already done" not in refused.text


def test_issuing_a_revision_whose_reply_is_lost_issues_one_revision(client, bms7):
    client.force_login(chairs_office())
    data = {
        "cover_letter": "Excellency,\n\nI have the honour to transmit Rev.1.",
        "signatory": "The Chair",
        "confirm": "1",
        "idempotency_key": str(uuid.uuid4()),
        **issue_form_fields(),
    }
    url = reverse("issue_revision", args=["bms7"])
    with dropped_at_commit(1, "reply_lost"):
        first = client.post(url, data)
    _assert_friendly_503(first)
    assert "I have the honour to transmit Rev.1." in first.text
    retried = _send_again(client, first)
    assert retried.status_code == 302
    assert retried["Location"] == reverse("revision_detail", args=["bms7", 1])
    assert list(Revision.objects.order_by("number").values_list("label", flat=True)) == [
        "Zero draft",
        "Rev.1",
    ]


@pytest.mark.django_db  # no connection is dropped: a rollback is enough
def test_a_page_read_while_the_database_is_away_is_a_503_with_a_way_back(client, bms7, monkeypatch):
    from drafting import selectors

    def away(*args, **kwargs):
        raise OperationalError("connection refused (test)")

    monkeypatch.setattr(selectors, "meeting_with_document", away)
    response = client.get(reverse("revision_list", args=["bms7"]))
    assert response.status_code == 503
    assert "Traceback" not in response.text
    assert "cannot be reached just now" in response.text
    assert re.search(r'href="/m/bms7/revisions/"', response.text)


@pytest.mark.django_db  # no connection is dropped: a rollback is enough
def test_an_outage_outside_any_view_is_a_503_too(rf):
    from drafting.web.outage import server_error

    request = rf.post("/anywhere/", {"note": "kept"})
    try:
        raise OperationalError("the server closed the connection (test)")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert "kept" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500
