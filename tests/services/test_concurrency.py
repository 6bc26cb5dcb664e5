"""Concurrent writes against PostgreSQL with real connections: nothing lost, nothing doubled."""

import threading
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from drafting.models import Delegation, Element, Proposal, ProposalStatus
from drafting.services.proposals import ProposalContent, proposal_create, round_open
from tests.factories import delegate_of, secretariat

pytestmark = pytest.mark.django_db(transaction=True)


def _run_at_once(workers):
    """Start every worker at the same moment, each on its own database connection."""
    barrier = threading.Barrier(len(workers))
    results, errors = [], []

    def run(work):
        try:
            barrier.wait(timeout=30)
            results.append(work())
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def round_1(bms7):
    now = timezone.now()
    return round_open(
        user=secretariat(),
        document=bms7.document,
        name="Round 1",
        opens_at=now - timedelta(hours=1),
        deadline=now + timedelta(hours=1),
    )


def test_twenty_delegations_submitting_at_once_are_all_stored_once(bms7, round_1):
    codes = list(
        Delegation.objects.filter(kind="member_state")
        .order_by("name")
        .values_list("code", flat=True)[:20]
    )
    delegates = [delegate_of(code) for code in codes]
    theme = Element.objects.get(text="Effective control over SALW")

    def submit(user, index):
        return lambda: (
            proposal_create(
                user=user,
                element=theme,
                idempotency_key=uuid.uuid4(),
                submit=True,
                content=ProposalContent(
                    kind="amend", proposed_text=f"Effective [option {index}] control over SALW"
                ),
            ).pk
        )

    results, errors = _run_at_once([submit(user, i) for i, user in enumerate(delegates)])
    assert errors == []
    assert len(set(results)) == 20
    stored = Proposal.objects.filter(status=ProposalStatus.SUBMITTED)
    assert stored.count() == 20
    assert {p.delegation.code for p in stored.select_related("delegation")} == set(codes)
    assert len({p.proposed_text for p in stored}) == 20


def test_the_same_submission_sent_twice_at_once_is_stored_once(bms7, round_1):
    """An impatient double click, both requests in flight together: one proposal."""
    user = delegate_of("jpn")
    theme = Element.objects.get(text="Effective control over SALW")
    key = uuid.uuid4()
    content = ProposalContent(kind="amend", proposed_text="Effective [and] control over SALW")

    def submit():
        return proposal_create(
            user=user, element=theme, idempotency_key=key, submit=True, content=content
        ).pk

    results, errors = _run_at_once([submit, submit])
    assert errors == []
    assert len(set(results)) == 1
    assert Proposal.objects.count() == 1
