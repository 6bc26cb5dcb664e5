"""The rows a submission writes with its proposal (drafting.services.rows): the history row
and audit event inserted in one statement are the rows simple_history and ``save()`` write,
column for column, on PostgreSQL's one statement and on the other databases' path."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from drafting.access import audit
from drafting.models import AuditAction, AuditEvent, Element, Proposal
from drafting.services import rows
from drafting.services.proposals import ProposalContent, proposal_create

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
# What differs between two rows written at different moments (their own ids and times).
OWN = {"history_id", "history_date", "id", "at"}


def _columns(row) -> dict:
    return {
        field.attname: getattr(row, field.attname)
        for field in type(row)._meta.concrete_fields
        if field.attname not in OWN
    }


def _submitted(japan, text: str) -> Proposal:
    return proposal_create(
        user=japan,
        element=Element.objects.get(text=THEME),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text=text, rationale="<b>Because</b>"),
    )


def _written_the_orm_way(proposal: Proposal, japan) -> tuple:
    """The history row simple_history writes itself and the event audit.record writes."""
    proposal._history_user = japan
    proposal._change_reason = "Submitted"
    before = set(Proposal.history.filter(id=proposal.pk).values_list("history_id", flat=True))
    proposal.save()  # simple_history's post_save writes the history row ("~": an update)
    history = Proposal.history.filter(id=proposal.pk).exclude(history_id__in=before).get()
    event = audit.record(
        action=AuditAction.PROPOSAL_SUBMITTED,
        user=japan,
        delegation_id=proposal.delegation_id,
        document_id=proposal.document_id,
        element_id=proposal.element_id,
        proposal_id=proposal.pk,
        summary=audit.proposal_summary(proposal),
    )
    return history, event


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_a_submissions_history_row_and_event_are_those_the_orm_writes(
    japan, open_round, monkeypatch, vendor
):
    """Column for column (their own ids and times aside), on PostgreSQL's one statement and
    on the path of the other databases (a save each)."""
    monkeypatch.setattr(connection, "vendor", vendor)
    proposal = _submitted(japan, "Effective control over small arms [and light weapons]")
    ours = Proposal.history.filter(id=proposal.pk).get()
    our_event = AuditEvent.objects.get(proposal_id=proposal.pk)
    assert ours.history_type == "+" and ours.history_user == japan
    theirs, their_event = _written_the_orm_way(proposal, japan)
    assert theirs.history_type == "~"  # the one difference: an update's row
    assert {**_columns(ours), "history_type": "~"} == _columns(theirs)
    assert _columns(our_event) == _columns(their_event)
    assert our_event.action == AuditAction.PROPOSAL_SUBMITTED


def test_one_statement_for_the_three_rows_on_postgresql(japan, open_round):
    with CaptureQueriesContext(connection) as queries:
        proposal = _submitted(japan, "Effective control over all SALW")
    [together] = [q["sql"] for q in queries if 'INSERT INTO "drafting_proposal" ' in q["sql"]]
    for table in ("drafting_proposal", "drafting_historicalproposal", "drafting_auditevent"):
        assert f'INSERT INTO "{table}"' in together
    assert Proposal.history.filter(id=proposal.pk).count() == 1
    assert AuditEvent.objects.filter(proposal_id=proposal.pk).count() == 1
    proposal.rationale = "Saved again: an update, not a second row"
    proposal.save()
    assert Proposal.objects.filter(public_id=proposal.public_id).count() == 1


def test_inside_audit_paused_the_history_row_alone_is_written(japan, open_round):
    with audit.paused():
        proposal = _submitted(japan, "Effective control over SALW, paused")
    assert Proposal.history.filter(id=proposal.pk).count() == 1
    assert not AuditEvent.objects.filter(proposal_id=proposal.pk).exists()


@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_a_refused_row_leaves_nothing_written(japan, open_round, monkeypatch, vendor):
    """The same idempotency key twice: the unique constraint refuses the copy, and neither
    its history row nor its event is written."""
    monkeypatch.setattr(connection, "vendor", vendor)
    first = _submitted(japan, "Effective control over SALW, once")
    copy = Proposal.objects.get(pk=first.pk)
    copy.pk, copy.public_id = None, uuid.uuid4()
    counts = (Proposal.history.count(), AuditEvent.objects.count())
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert(
            copy,
            user=japan,
            reason="Submitted",
            following=[(AuditEvent(action=AuditAction.PROPOSAL_SUBMITTED), "proposal_id")],
        )
    assert (Proposal.history.count(), AuditEvent.objects.count()) == counts


def test_only_a_new_row_is_inserted(japan, open_round):
    proposal = _submitted(japan, "Effective control over SALW, stored")
    with pytest.raises(ValueError, match="a new row"):
        rows.insert(proposal, user=japan, reason="again")
