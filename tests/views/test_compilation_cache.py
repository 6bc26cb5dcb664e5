"""The compilation keeps each proposal's block per version: every write shows at once."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafting.models import Delegation, Element
from drafting.render import page_cache
from drafting.services.decisions import proposal_defer
from drafting.services.marks import mark_clear, mark_set
from drafting.services.proposals import ProposalContent, proposal_create, proposal_revise
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db

THEME = "Cooperation between exporting and importing states"


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _submit(user, element, **content):
    """A proposal submitted in the open round by ``user``."""
    return proposal_create(
        user=user,
        element=element,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(**content),
    )


def _block(client, proposal) -> str:
    """The proposal's block as the compilation shows it now."""
    html = client.get(reverse("compilation", args=["bms7"])).text
    found = re.search(
        rf'<li class="compiled-proposal"[^>]*>(?:(?!</li>).)*{proposal.public_id}'
        r"(?:(?!</li>).)*</li>",
        html,
        re.S,
    )
    assert found, "the proposal is not in the compilation"
    return found.group(0)


def test_every_write_to_a_proposal_or_its_marks_shows_on_the_next_view(client, theme, round_1):
    author = delegate_of("mex")
    proposal = _submit(author, theme, kind="amend", proposed_text=f"Enhanced {THEME.lower()}")
    chair = chairs_office()
    client.force_login(chair)
    assert "Enhanced" in _block(client, proposal)  # now cached
    assert "Enhanced" in _block(client, proposal)  # served from the cache

    canada = delegate_of("can")
    mark_set(user=canada, proposal=proposal, stance="support")
    assert "Supported by: Canada" in _block(client, proposal)
    mark_set(user=canada, proposal=proposal, stance="oppose")
    block = _block(client, proposal)
    assert "Opposed by: Canada" in block and "Supported by" not in block
    mark_clear(user=canada, proposal=proposal)
    assert "Canada" not in _block(client, proposal)

    proposal.refresh_from_db()
    proposal_revise(
        user=author,
        proposal=proposal,
        content=ProposalContent(kind="amend", proposed_text=f"Closer {THEME.lower()}"),
        expected_version=proposal.version,
    )
    block = _block(client, proposal)
    assert "Closer" in block and "Enhanced" not in block

    proposal.refresh_from_db()
    proposal_defer(user=chair, proposal=proposal, note="Later")
    assert "status-deferred" in _block(client, proposal)

    mexico = Delegation.objects.get(code="mex")
    mexico.name = "United Mexican States"
    mexico.save()
    assert "United Mexican States" in _block(client, proposal)


def test_user_text_in_a_cached_block_stays_escaped(client, theme, round_1):
    proposal = _submit(
        delegate_of("mex"),
        theme,
        kind="comment",
        proposed_text=THEME,
        rationale="<script>alert(1)</script>",
    )
    client.force_login(delegate_of("jpn"))
    for _ in range(2):  # rendered, then read back from the cache
        block = _block(client, proposal)
        assert "<script>" not in block and "&lt;script&gt;alert(1)&lt;/script&gt;" in block


def test_the_query_count_is_fixed_with_a_warm_or_a_cold_cache(client, theme, round_1, bms7):
    client.force_login(chairs_office())
    url = reverse("compilation", args=["bms7"])

    def queries(*, cold: bool) -> int:
        if cold:  # no block cached; the tree is
            page_cache.clear()
            bms7.document.refresh_from_db()
            page_cache.working_draft_view(bms7)
        else:
            client.get(url)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured)

    codes = ["mex", "bra", "fra", "deu", "ind", "nga"]
    elements = list(Element.objects.filter(kind="theme")[:16])
    _submit(delegate_of("arg"), elements[0], kind="amend", proposed_text=f"{elements[0].text} [x]")
    few = queries(cold=False), queries(cold=True)
    canada = delegate_of("can")
    for index, element in enumerate(elements[1:]):
        proposal = _submit(
            delegate_of(codes[index % len(codes)]),
            element,
            kind="amend",
            proposed_text=f"{element.text} [option {index}]",
        )
        mark_set(user=canada, proposal=proposal, stance="support")
    many = queries(cold=False), queries(cold=True)
    assert client.get(url).text.count('class="compiled-proposal"') == 16
    assert many == few
    warm, cold = many
    # Kept whole: the session, the user, and the versions of what the page shows.
    assert warm == 3
    # Built again: the proposals not yet rendered, their marks, and their (accepted)
    # co-sponsors, and the page's own reads (entries, counts, filters, what can be undone).
    assert cold == warm + 3 + 7
