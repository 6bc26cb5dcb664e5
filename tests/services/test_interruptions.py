"""A revision issue interrupted half-way leaves nothing of itself behind.

Issuing renumbers inserted elements, freezes the snapshot, marks decided proposals as carried
by the revision, carries open ones forward and tells the delegations: all in one transaction.
Here PostgreSQL ends the connection in the middle of it (tests/connection_drops.py), and the
database afterwards is exactly as before; issuing again gives Rev.1, once.
"""

import uuid
from unittest import mock

import pytest
from django.db import OperationalError, connection

from drafting.models import (
    Element,
    ExportJob,
    Notification,
    Proposal,
    ProposalStatus,
    Revision,
    WriteReceipt,
)
from drafting.services import revisions
from drafting.services.decisions import proposal_accept
from drafting.services.elements import element_insert
from drafting.services.proposals import ProposalContent, proposal_create
from tests.connection_drops import dropped_at_commit, terminate
from tests.factories import chairs_office, delegate_of

pytestmark = pytest.mark.django_db(transaction=True)


def _state():
    """Everything an issue writes, as plain values."""
    return {
        "revisions": list(Revision.objects.values_list("label", flat=True)),
        "provisional": list(
            Element.objects.filter(provisional=True).order_by("pk").values_list("pk", flat=True)
        ),
        "proposals": list(
            Proposal.objects.order_by("pk").values_list(
                "pk", "status", "base_revision_id", "reflected_in_id", "base_text", "patch"
            )
        ),
        "notifications": Notification.objects.count(),
        "proposal_versions": Proposal.history.count(),
        "element_versions": Element.history.count(),
        "exports": ExportJob.objects.count(),
        "receipts": WriteReceipt.objects.count(),
    }


@pytest.fixture
def work_since_the_zero_draft(bms7, round_1):
    """An accepted proposal, an element inserted by the chair, and an open proposal."""
    chair = chairs_office()
    control = Element.objects.get(text="Effective control over SALW")
    cooperation = Element.objects.get(text="Cooperation between exporting and importing states")

    def propose(code, element, text):
        return proposal_create(
            user=delegate_of(code),
            element=element,
            idempotency_key=uuid.uuid4(),
            submit=True,
            content=ProposalContent(kind="amend", proposed_text=text),
        )

    accepted = propose("jpn", control, "Effective [and transparent] control over SALW")
    proposal_accept(user=chair, proposals=[accepted])
    element_insert(user=chair, after=cooperation, kind="paragraph", text="Capacity building")
    propose("mex", cooperation, "Enhanced cooperation between exporting and importing states")
    return chair


@pytest.mark.parametrize("moment", ["while carrying proposals forward", "at the commit"])
def test_a_revision_issue_cut_off_half_way_leaves_nothing_behind(
    work_since_the_zero_draft, bms7, moment
):
    chair = work_since_the_zero_draft
    before = _state()
    assert before["provisional"] and before["revisions"] == ["Zero draft"]
    key = uuid.uuid4()

    def issue():
        return revisions.revision_issue(
            issued_by=chair, document=bms7.document, cover_letter="Excellency,", idempotency_key=key
        )

    if moment == "at the commit":
        with dropped_at_commit(1, "before"), pytest.raises(OperationalError):
            issue()
    else:
        real = revisions._carry_forward

        def cut_off(document, revision, user):
            # The revision row, the renumbering and the decided proposals are written by now.
            assert Revision.objects.filter(pk=revision.pk).exists()
            terminate(connection)
            return real(document, revision, user)

        with (
            mock.patch.object(revisions, "_carry_forward", cut_off),
            pytest.raises(OperationalError),
        ):
            issue()

    assert _state() == before

    revision = issue()
    assert revision.label == "Rev.1"
    after = _state()
    assert after["revisions"] == ["Zero draft", "Rev.1"]
    assert after["provisional"] == []
    assert Proposal.objects.filter(reflected_in=revision).count() == 1
    assert (
        Proposal.objects.filter(status=ProposalStatus.SUBMITTED, base_revision=revision).count()
        == 1
    )
