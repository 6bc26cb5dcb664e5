"""The delegation page's state is read in one SQL statement on PostgreSQL (`selectors.
delegation_page.page_state`) and in the ORM's queries elsewhere (`_page_state_portable`,
SQLite: the demo): both read the same state as the page fills. The invitations are digested
differently by each (md5 in SQL, Python's of the rows), so those two are held against each
other by when they change, not by value."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from drafting.models import ConsultationRound, Delegation, Element
from drafting.selectors.delegation_page import _page_state_portable, page_state
from drafting.services.cosponsorship import cosponsorship_decline
from drafting.services.decisions import proposal_reject
from drafting.services.marks import mark_set
from drafting.services.notifications import notifications_read
from drafting.services.proposals import ProposalContent, proposal_create
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
SAME = ("takes_part", "page_version", "names_version", "read_before", "notices", "new_notices")


class _Agreeing:
    """Reads both states at each step; checks the fields that must be equal, and that both
    digests of the invitations are empty together and change together."""

    def __init__(self, slug: str, user) -> None:
        self.slug, self.user = slug, user
        self.delegation = user.delegate_profile.delegation
        self.digests: tuple[str, str] | None = None

    def read(self):
        args = {"delegation": self.delegation, "user_id": self.user.pk}
        meeting, state = page_state(self.slug, **args)
        portable_meeting, portable = _page_state_portable(self.slug, **args)
        assert meeting.pk == portable_meeting.pk
        assert meeting.document.version == portable_meeting.document.version
        for name in SAME:
            assert getattr(state, name) == getattr(portable, name), name
        assert (state.round is None) == (portable.round is None)
        if state.round:
            assert state.round[:2] == portable.round[:2]
            assert state.round[2] == portable.round[2]
        assert bool(state.invitations) == bool(portable.invitations)
        digests = (state.invitations, portable.invitations)
        if self.digests is not None:
            assert (digests[0] == self.digests[0]) == (digests[1] == self.digests[1])
        self.digests = digests
        return state


def test_the_statement_and_the_orm_read_the_same_state_as_the_page_fills(open_round):
    kenya = delegate_of("ken")
    both = _Agreeing("bms7", kenya)
    first = both.read()
    assert first.takes_part and first.round is not None and not first.invitations

    element = Element.objects.get(text=THEME)
    japan = delegate_of("jpn")
    invited = proposal_create(
        user=japan,
        element=element,
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective control over [all] SALW",
            co_sponsors=[kenya.delegate_profile.delegation],
        ),
        idempotency_key=uuid.uuid4(),
        submit=True,
    )
    invited_state = both.read()
    assert invited_state.invitations

    own = amendment(kenya, element, f"[Kenya's] {element.text}", submit=True)
    mark_set(user=kenya, proposal=invited, stance="support", note="")
    proposal_reject(user=chairs_office(), proposal=own, note="Too broad.")
    decided = both.read()
    assert decided.page_version > invited_state.page_version
    assert decided.notices[1] > first.notices[1] and decided.new_notices

    cosponsorship_decline(user=kenya, proposal=invited)
    declined = both.read()
    assert declined.invitations != invited_state.invitations

    notifications_read(user=kenya)
    mexico = Delegation.objects.get(code="mex")
    mexico.name = "Mexico (United States of)"
    mexico.save()
    read = both.read()
    assert read.new_notices == 0 and read.read_before is not None
    assert read.names_version > decided.names_version

    # The open round closes; another opens later: none open now.
    now = timezone.now()
    ConsultationRound.objects.filter(pk=open_round.pk).update(
        opens_at=now - 3 * HOUR, deadline=now - HOUR
    )
    ConsultationRound.objects.create(
        document=open_round.document,
        name="Round 2",
        opens_at=now + HOUR,
        deadline=now + 3 * HOUR,
        created_by=secretariat(),
    )
    assert both.read().round is None


def test_the_statement_and_the_orm_agree_on_a_meeting_the_delegation_is_not_part_of(bms7):
    other = DocumentFactory(meeting__slug="bms8", meeting__delegations=[]).meeting
    add_elements(other.document, agenda_items=1, themes_per_item=1)
    state = _Agreeing("bms8", delegate_of("ken")).read()
    assert not state.takes_part and state.round is None
