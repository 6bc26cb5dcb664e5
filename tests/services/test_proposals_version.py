"""The document's proposals version (`models.ProposalsVersion`) counts every commit that
changes what readers beyond the writing delegation see of its proposals outside the write
gate, and nothing a delegation keeps to itself: its drafts written, revised, discarded."""

import pytest

from drafting.models import Delegation, Element, ProposalStatus, ProposalsVersion
from drafting.services.cosponsorship import (
    cosponsorship_accept,
    cosponsorship_decline,
    cosponsorship_withdraw,
)
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_clear, mark_confirm, mark_set
from drafting.services.proposals import (
    ProposalContent,
    proposal_discard,
    proposal_revise,
    proposal_submit,
    proposal_withdraw,
    proposal_withdrawal_undo,
)
from drafting.services.replies import decision_reply
from tests.factories import amendment, chairs_office, delegate_of, revised

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"


def _version(document) -> int:
    found = ProposalsVersion.objects.filter(document=document).first()
    return found.version if found else 0


def test_a_delegations_drafts_count_nothing(bms7, round_1):
    mexico = delegate_of("mex")
    theme = Element.objects.get(text=THEME)
    draft = amendment(mexico, theme, "Effective control over SALW, a draft", submit=False)
    draft = revised(mexico, draft, "Effective control over SALW, a draft again")
    proposal_discard(user=mexico, proposal=draft)
    assert _version(bms7.document) == 0


def test_every_write_seen_beyond_the_delegation_counts_once(bms7, round_1):
    mexico, canada, japan = delegate_of("mex"), delegate_of("can"), delegate_of("jpn")
    theme = Element.objects.get(text=THEME)
    document = bms7.document
    steps = []

    def counted(step: str) -> None:
        steps.append((step, _version(document)))

    draft = amendment(mexico, theme, "Effective control over all SALW", submit=False)
    counted("draft")
    proposal = proposal_submit(user=mexico, proposal=draft)
    counted("submitted")
    proposal = revised(mexico, proposal, "Effective control over every SALW")
    counted("revised")
    mark_set(user=japan, proposal=proposal, stance="support")
    counted("marked")
    mark_confirm(user=japan, proposal=proposal)
    counted("mark confirmed")
    mark_clear(user=japan, proposal=proposal)
    counted("mark cleared")
    invited = amendment(
        mexico,
        theme,
        "Effective [joint] control over SALW",
        co_sponsors=[Delegation.objects.get(code="can"), Delegation.objects.get(code="jpn")],
    )
    counted("submitted with co-sponsors")
    cosponsorship_accept(user=canada, proposal=invited)
    counted("co-sponsorship accepted")
    cosponsorship_withdraw(user=canada, proposal=invited)
    counted("co-sponsorship withdrawn")
    cosponsorship_decline(user=japan, proposal=invited)
    counted("co-sponsorship declined")
    proposal_withdraw(user=mexico, proposal=proposal)
    counted("withdrawn")
    proposal_withdrawal_undo(user=mexico, proposal=proposal)
    counted("withdrawal undone")
    proposal.refresh_from_db()
    proposal_reject(user=chairs_office(), proposal=proposal, note="Not now")
    counted("rejected (the write gate: Document.version)")
    decision_reply(user=mexico, proposal=proposal, text="We shall come back to it.")
    counted("replied")
    assert steps == [
        ("draft", 0),
        ("submitted", 1),
        ("revised", 2),
        ("marked", 3),
        ("mark confirmed", 4),
        ("mark cleared", 5),
        ("submitted with co-sponsors", 6),
        ("co-sponsorship accepted", 7),
        ("co-sponsorship withdrawn", 8),
        ("co-sponsorship declined", 9),
        ("withdrawn", 10),
        ("withdrawal undone", 11),
        ("rejected (the write gate: Document.version)", 11),
        ("replied", 12),
    ]


def test_a_draft_naming_co_sponsors_counts_nothing_until_submitted_from_the_revise_form(
    bms7, round_1
):
    mexico = delegate_of("mex")
    theme = Element.objects.get(text=THEME)
    canada = Delegation.objects.get(code="can")
    draft = amendment(
        mexico, theme, "Effective control over SALW, a draft", submit=False, co_sponsors=[canada]
    )
    draft = revised(mexico, draft, "Effective control over SALW, again")
    assert _version(bms7.document) == 0
    draft.refresh_from_db()
    submitted = proposal_revise(
        user=mexico,
        proposal=draft,
        expected_version=draft.version,
        submit=True,
        content=ProposalContent(
            kind="amend", proposed_text="Effective control over SALW, sent", co_sponsors=[canada]
        ),
    )
    assert submitted.status == ProposalStatus.SUBMITTED
    assert _version(bms7.document) == 1
