"""The desk's state is read in one SQL statement on PostgreSQL (`selectors.desk_state`)
and in the ORM's queries elsewhere (`_desk_state_portable`, SQLite: the demo): both give
the same state, so the same key, whatever the desk shows."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from drafting.models import ConsultationRound, Delegation, Element
from drafting.selectors.desk_state import _desk_state_portable, desk_state
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.notifications import notifications_read
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.visits import desk_visit
from tests.factories import (
    DocumentFactory,
    add_elements,
    amendment,
    chairs_office,
    delegate_of,
    secretariat,
)

pytestmark = pytest.mark.django_db

THEME = "Effective control over SALW"
HOUR = timedelta(hours=1)


def _both(slug: str, user, delegation):
    """The state as the statement reads it and as the ORM does, at the same moment."""
    now = timezone.now()
    return (
        desk_state(slug, user=user, delegation=delegation, now=now),
        _desk_state_portable(slug, user=user, delegation=delegation, now=now),
    )


def _round(one):
    return (one.pk, one.name, one.opens_at, one.deadline, one.created_by_id) if one else None


def _assert_same(slug: str, user, delegation):
    (meeting, state), (portable_meeting, portable) = _both(slug, user, delegation)
    assert meeting.pk == portable_meeting.pk
    assert meeting.document.version == portable_meeting.document.version
    for name in (
        "takes_part",
        "proposals_seen",
        "marks",
        "invitations",
        "invitations_at",
        "page_version",
        "names_version",
        "since",
        "last_visit",
        "unread",
    ):
        assert getattr(state, name) == getattr(portable, name), name
    for which in ("open", "last_closed", "next"):
        assert _round(getattr(state.rounds, which)) == _round(getattr(portable.rounds, which))
    assert state.key(meeting).key == portable.key(portable_meeting).key
    return meeting, state


def test_the_statement_and_the_orm_give_the_same_state_as_the_desk_fills(open_round):
    kenya = delegate_of("ken")
    ours = kenya.delegate_profile.delegation
    chair = chairs_office()
    # Nothing yet: no visit, mark, invitation; one round, open (its notice, unread).
    _meeting, first = _assert_same("bms7", kenya, ours)
    assert first.takes_part and first.since is None and first.marks == 0
    _assert_same("bms7", chair, None)

    # Another delegation's proposals, one naming Kenya as co-sponsor; Kenya's own, decided
    # (a notice); Kenya's marks; two visits; a round closed and one to come.
    element = Element.objects.get(text=THEME)
    japan = delegate_of("jpn")
    proposal_create(
        user=japan,
        element=element,
        content=ProposalContent(
            kind="amend", proposed_text="Effective control over [all] SALW", co_sponsors=[ours]
        ),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    india = amendment(delegate_of("ind"), element, f"[India's] {element.text}", submit=True)
    mark_set(user=kenya, proposal=india, stance="can_accept", note="fine")
    own = amendment(kenya, element, f"[Kenya's] {element.text}", submit=True)
    proposal_reject(user=chair, proposal=own, note="Too broad.")
    now = timezone.now()
    desk_visit(user=kenya, meeting=open_round.document.meeting, at=now - 3 * HOUR)
    desk_visit(user=kenya, meeting=open_round.document.meeting, at=now - HOUR)
    for name, opens in (("Round 0", now - 9 * HOUR), ("Round 2", now + 9 * HOUR)):
        ConsultationRound.objects.create(
            document=open_round.document,
            name=name,
            opens_at=opens,
            deadline=opens + 2 * HOUR,
            created_by=secretariat(),
        )
    _meeting, filled = _assert_same("bms7", kenya, ours)
    assert filled.invitations == 1 and filled.marks and filled.unread > first.unread
    assert filled.since is not None and filled.rounds.last_closed and filled.rounds.next
    assert filled.proposals_seen > first.proposals_seen
    _assert_same("bms7", chair, None)

    # The notices read; a delegation renamed.
    notifications_read(user=kenya)
    mexico = Delegation.objects.get(code="mex")
    mexico.name = "Mexico (United States of)"
    mexico.save()
    _meeting, read = _assert_same("bms7", kenya, ours)
    assert read.unread == 0 and read.names_version > filled.names_version


def test_the_statement_and_the_orm_agree_on_a_meeting_the_delegation_is_not_part_of(bms7):
    other = DocumentFactory(meeting__slug="bms8", meeting__delegations=[]).meeting
    add_elements(other.document, agenda_items=1, themes_per_item=1)
    kenya = delegate_of("ken")
    _meeting, state = _assert_same("bms8", kenya, kenya.delegate_profile.delegation)
    assert not state.takes_part
    assert state.rounds.open is None and state.rounds.last_closed is None
