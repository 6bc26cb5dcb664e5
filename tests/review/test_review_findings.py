"""Findings of a hostile review of the merged work for issues #14 and #15.

Each test reproduces one bug found in review; its docstring says what it reproduces.
"""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction

from drafting.models import Element, Proposal
from drafting.services.gate import open_gate
from drafting.services.proposals import ProposalContent, mark_set, proposal_create
from tests.factories import delegate_of

THEME = "Effective control over SALW"


def _submit(user, element, text: str, **extra) -> Proposal:
    return proposal_create(
        user=user,
        element=element,
        content=ProposalContent(kind="amend", proposed_text=text, **extra),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )


@pytest.mark.django_db(transaction=True)
def test_a_mark_does_not_deadlock_with_a_gated_writer(bms7, round_1):
    """Reproduces: ``mark_set`` (and ``mark_confirm``, ``mark_clear``) lock the proposal with
    ``select_for_update().select_related("document")``, which takes FOR UPDATE on the joined
    Document row too, after the proposal's row: the opposite of the write gate's order.

    A chair's gated write holds the document (FOR NO KEY UPDATE) and is about to lock the
    proposal; a delegation marks the proposal at that moment: it locks the proposal, then
    waits for the document. The chair then asks for the proposal: PostgreSQL detects a
    deadlock and aborts one of them. Expected: the mark waits for the chair, both succeed.
    """
    element = Element.objects.get(text=THEME)
    japan, india = delegate_of("jpn"), delegate_of("ind")
    proposal = _submit(japan, element, "Effective [alpha] control over SALW")
    outcome: dict[str, object] = {}
    gate_open = threading.Event()

    def chairs_write() -> None:
        try:
            with transaction.atomic():
                gate = open_gate(proposal.document_id)
                gate_open.set()
                time.sleep(1.0)  # the delegation's mark arrives meanwhile
                gate.proposals([proposal.pk])
            outcome["chair"] = "done"
        except Exception as error:
            outcome["chair"] = error
        finally:
            connection.close()

    def delegations_mark() -> None:
        try:
            gate_open.wait(timeout=10)
            mark_set(user=india, proposal=proposal, stance="support")
            outcome["mark"] = "done"
        except Exception as error:
            outcome["mark"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=chairs_write), threading.Thread(target=delegations_mark)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcome == {"chair": "done", "mark": "done"}
