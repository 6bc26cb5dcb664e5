"""Delegates may read the working draft and the compilation from a copy a few seconds old.

In a deadline rush every submission would otherwise have each reader's page made again.
The copy says when it was made; the writer reads live for a few seconds after their own
write; the chair's office always reads live; a copy holds nothing of its reader.
"""

import re
import uuid
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting.models import Element, Proposal
from drafting.render import page_cache
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"
COMPILATION = reverse("compilation", args=["bms7"])
DRAFT = reverse("working_draft", args=["bms7"])


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


@pytest.fixture(autouse=True)
def copies_for_a_minute():
    page_cache.clear()
    with override_settings(READ_COPY_SECONDS=60):
        yield
    page_cache.clear()


def _submit(user, element, text: str) -> Proposal:
    """Submitted through the service: no browser, so no cookie for anyone."""
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text),
    )


def test_a_delegate_reads_a_recent_copy_that_says_when_it_was_made(client, theme, round_1):
    client.force_login(delegate_of("jpn"))
    before = client.get(COMPILATION)
    assert "As of" in before.text
    proposal = _submit(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    again = client.get(COMPILATION)
    assert str(proposal.public_id) not in again.text  # from the copy
    assert again.context["as_of"] == before.context["as_of"]

    # The chair's office reads live: the proposal is there, and no "as of".
    chair = client.__class__()
    chair.force_login(chairs_office())
    live = chair.get(COMPILATION)
    assert str(proposal.public_id) in live.text and "As of" not in live.text

    # Once the copy is older than READ_COPY_SECONDS, the next view makes a new one.
    later = page_cache.time.monotonic() + 61
    with mock.patch.object(page_cache.time, "monotonic", return_value=later):
        fresh = client.get(COMPILATION)
    assert str(proposal.public_id) in fresh.text
    assert fresh.context["as_of"] > before.context["as_of"]


def test_the_writer_reads_their_own_write_at_once(client, theme, round_1):
    client.force_login(delegate_of("jpn"))
    assert "1 proposal" not in client.get(DRAFT).text  # a copy made before the write
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]),
        {
            "kind": "amend",
            "action": "submit",
            "proposed_text": f"Enhanced {THEME.lower()}",
            "base_text_seen": THEME,
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    cookie = response.cookies["live"]
    assert cookie["max-age"] == 61 and cookie["httponly"] and cookie["samesite"] == "Lax"
    proposal = Proposal.objects.get()
    draft = client.get(DRAFT)
    assert "1 proposal" in draft.text and "As of" not in draft.text
    assert str(proposal.public_id) in client.get(COMPILATION).text

    # Another delegation reads the copy made before the write, until it is renewed.
    other = client.__class__()
    other.force_login(delegate_of("mex"))
    copied = other.get(DRAFT).text
    assert "1 proposal" not in copied and "As of" in copied


def test_a_refused_write_does_not_switch_to_live_reads(client, theme, round_1):
    client.force_login(delegate_of("jpn"))
    response = client.post(
        reverse("propose", args=["bms7", theme.pk]),
        {
            "kind": "amend",
            "action": "submit",
            "proposed_text": "[unclosed",
            "base_text_seen": THEME,
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422
    assert "live" not in response.cookies


def test_a_copy_costs_fewer_queries_and_holds_nothing_of_its_reader(client, theme, round_1):
    _submit(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
    japan = delegate_of("jpn")
    client.force_login(japan)
    client.get(COMPILATION)  # the copy is made
    with CaptureQueriesContext(connection) as made:
        page_cache.clear()
        client.get(COMPILATION)
    with CaptureQueriesContext(connection) as copied:
        client.get(COMPILATION)
    assert len(copied) < len(made) and len(copied) <= 5

    # Read by another delegate, the same copy: their own name and CSRF token, not Japan's.
    other = client.__class__(enforce_csrf_checks=True)
    mexico = delegate_of("mex")
    other.force_login(mexico)
    page = other.get(COMPILATION)
    assert page.context["as_of"] is not None
    who = re.search(r'<span class="who">([^<]*?)(?: <span|</span>)', page.text).group(1)
    assert who == (mexico.get_full_name() or mexico.username) != japan.username
    assert 'name="csrfmiddlewaretoken"' not in page.context["rows_html"]


def test_with_no_copies_every_view_is_live(client, theme, round_1):
    with override_settings(READ_COPY_SECONDS=0):
        client.force_login(delegate_of("jpn"))
        client.get(COMPILATION)
        proposal = _submit(delegate_of("mex"), theme, f"Enhanced {THEME.lower()}")
        page = client.get(COMPILATION)
    assert str(proposal.public_id) in page.text and "As of" not in page.text
