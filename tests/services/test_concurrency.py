"""Concurrent writes against PostgreSQL with real connections: nothing lost, nothing doubled."""

import threading
import uuid

import pytest
from django.db import connection

from drafting.models import Delegation, Element, Proposal, ProposalStatus
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import delegate_of

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


def test_one_key_sent_at_once_with_two_texts_stores_one_and_refuses_the_other(bms7, round_1):
    """Issue 15, point 7, racing: one form's key posted twice together with different
    texts. One proposal is stored with one of the two texts, whole; the other request is
    refused (FormAlreadyUsed naming that proposal), never reported as done, never merged in."""
    from drafting.web.errors import FormAlreadyUsed

    user = delegate_of("jpn")
    theme = Element.objects.get(text="Effective control over SALW")
    key = uuid.uuid4()
    texts = ["Effective [and] control over SALW", "Effective [or] control over SALW"]

    def submit(text):
        return lambda: (
            proposal_create(
                user=user,
                element=theme,
                idempotency_key=key,
                submit=True,
                content=ProposalContent(kind="amend", proposed_text=text),
            ).pk
        )

    results, errors = _run_at_once([submit(text) for text in texts])
    stored = Proposal.objects.get()
    assert results == [stored.pk]
    assert [type(error) for error in errors] == [FormAlreadyUsed]
    assert errors[0].proposal.pk == stored.pk
    assert stored.proposed_text in texts and stored.status == ProposalStatus.SUBMITTED


def test_two_chairs_accepting_on_one_element_at_once_lose_neither_change(bms7, round_1):
    """Both accepts land in turn (the second fuzzily on the first's text), or the second is
    told of a conflict; the element never loses an accepted change."""
    from drafting.services.decisions import proposal_accept
    from drafting.web.errors import MergeConflict
    from tests.factories import chairs_office

    theme = Element.objects.get(text="Cooperation between exporting and importing states")
    first = proposal_create(
        user=delegate_of("jpn"),
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(
            kind="amend",
            proposed_text="Enhanced cooperation between exporting and importing states",
        ),
    )
    second = proposal_create(
        user=delegate_of("mex"),
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(
            kind="amend",
            proposed_text="Cooperation between exporting and importing States, as appropriate",
        ),
    )
    chairs = [chairs_office(), chairs_office()]

    def accept(chair, proposal):
        def work():
            try:
                proposal_accept(user=chair, proposals=[proposal])
                return "accepted"
            except MergeConflict:
                return "conflict"

        return work

    results, errors = _run_at_once([accept(chairs[0], first), accept(chairs[1], second)])
    assert errors == []
    theme.refresh_from_db()
    accepted = set(Proposal.objects.filter(status="accepted").values_list("pk", flat=True))
    if results.count("accepted") == 2:
        assert (
            theme.text
            == "Enhanced cooperation between exporting and importing States, as appropriate"
        )
    else:
        assert results.count("conflict") == 1
    # Every accepted proposal's change is in the text, and the history has one entry each.
    assert ("Enhanced" in theme.text) == (first.pk in accepted)
    assert ("as appropriate" in theme.text) == (second.pk in accepted)
    assert theme.history.filter(history_change_reason__startswith="Accepted").count() == len(
        accepted
    )


def test_two_people_issuing_at_once_get_two_numbers_never_two_rev_1(bms7):
    from drafting.models import Revision
    from drafting.services.revisions import revision_issue
    from tests.factories import chairs_office

    chairs = [chairs_office(), chairs_office()]

    def issue(chair):
        return lambda: (
            revision_issue(
                issued_by=chair, document=bms7.document, cover_letter="Excellency,"
            ).number
        )

    results, errors = _run_at_once([issue(chairs[0]), issue(chairs[1])])
    assert errors == []
    assert sorted(results) == [1, 2]
    assert sorted(Revision.objects.values_list("label", flat=True)) == [
        "Rev.1",
        "Rev.2",
        "Zero draft",
    ]


def test_the_same_chair_request_sent_twice_at_once_is_carried_out_once(bms7):
    """Two copies of one insertion in flight together: the second waits on the receipt's
    unique index, then finds the first committed."""
    from drafting.services.elements import element_insert
    from drafting.web.errors import AlreadyDone
    from tests.factories import chairs_office

    chair = chairs_office()
    anchor = Element.objects.get(text="Cooperation between exporting and importing states")
    key = uuid.uuid4()

    def insert():
        try:
            element_insert(
                user=chair,
                after=anchor,
                kind="paragraph",
                text="Capacity building",
                idempotency_key=key,
            )
            return "inserted"
        except AlreadyDone:
            return "already done"

    results, errors = _run_at_once([insert, insert])
    assert errors == []
    assert sorted(results) == ["already done", "inserted"]
    assert Element.objects.filter(text="Capacity building").count() == 1


def test_two_meetings_set_up_at_once_with_one_address_make_one_meeting(bms7):
    """Both pass the form's check (the address is free when each looks); the unique
    constraint decides, and the other is told the address is taken, with nothing written."""
    import datetime

    from drafting.models import AuditAction, AuditEvent, Meeting
    from drafting.services.meetings import MeetingSetup, meeting_create
    from drafting.web.errors import DomainError
    from tests.factories import secretariat

    clerks = [secretariat(), secretariat()]
    setup = MeetingSetup(
        title="Eighth",
        short_title="BMS8",
        slug="bms8",
        symbol_prefix="A/X",
        venue="Geneva",
        start_date=datetime.date(2026, 6, 8),
        end_date=datetime.date(2026, 6, 12),
        chair="",
        time_zone="Europe/Zurich",
    )
    today = datetime.date(2026, 12, 1)
    results, errors = _run_at_once(
        [
            lambda clerk=clerk: meeting_create(user=clerk, setup=setup, today=today).pk
            for clerk in clerks
        ]
    )
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert "already has the address" in str(errors[0])
    meeting = Meeting.objects.get(slug="bms8")
    assert AuditEvent.objects.filter(action=AuditAction.MEETING_CREATED).count() == 1
    assert meeting.delegations.count() > 190


def test_one_invitation_accepted_in_two_tabs_at_once_makes_one_account(bms7):
    """The invitation row is locked: the second acceptance finds it used, whatever username
    it chose."""
    from django.contrib.auth import get_user_model

    from drafting.services.invitations import (
        InvitationUnusable,
        invitation_accept,
        invitation_create,
    )
    from tests.factories import secretariat

    sent = invitation_create(
        actor=secretariat(),
        email="twice@jp.example",
        role="delegate",
        delegation=Delegation.objects.get(code="jpn"),
    )

    def accept(username):
        return lambda: (
            invitation_accept(
                token=sent.token, username=username, password="a-long-passphrase-for-tests"
            )[0].pk
        )

    results, errors = _run_at_once([accept("first"), accept("second")])
    assert len(results) == 1
    assert [type(e) for e in errors] == [InvitationUnusable]
    assert errors[0].reason == "accepted"
    assert get_user_model().objects.filter(email="twice@jp.example").count() == 1
