"""Setting up a meeting (drafting.services.meetings): the secretariat only, every step audited,
participants and coordinators kept consistent, a meeting copied without its document."""

import datetime

import pytest

from drafting.models import (
    AuditAction,
    AuditEvent,
    Delegation,
    DelegationKind,
    GroupCoordinator,
    Meeting,
    Participation,
)
from drafting.services.meetings import (
    MeetingSetup,
    meeting_coordinators_set,
    meeting_create,
    meeting_participants_set,
    meeting_update,
)
from drafting.web.errors import DomainError, NotAllowed
from tests.factories import chairs_office, delegate_of, secretariat

TODAY = datetime.date(2026, 12, 1)


def _setup(**changes) -> MeetingSetup:
    fields = {
        "title": "Eighth Biennial Meeting of States",
        "short_title": "BMS8",
        "slug": "bms8",
        "symbol_prefix": "A/CONF.192/BMS/2026/WP.1",
        "venue": "Geneva",
        "start_date": datetime.date(2026, 6, 8),
        "end_date": datetime.date(2026, 6, 12),
        "chair": "Ambassador X",
        "time_zone": "Europe/Zurich",
    }
    return MeetingSetup(**{**fields, **changes})


def _code(code: str) -> Delegation:
    return Delegation.objects.get(code=code)


@pytest.mark.django_db
def test_a_new_meeting_takes_every_state_and_no_group_and_is_audited(bms7):
    """By default all Member States and the observer States take part; groups are picked."""
    clerk = secretariat(username="clerk")
    meeting = meeting_create(user=clerk, setup=_setup(), today=TODAY)
    states = Delegation.objects.filter(
        kind__in=[DelegationKind.MEMBER_STATE, DelegationKind.OBSERVER_STATE]
    )
    assert set(meeting.delegations.values_list("pk", flat=True)) == set(
        states.values_list("pk", flat=True)
    )
    assert states.filter(kind=DelegationKind.OBSERVER_STATE).count() == 2
    assert not meeting.delegations.filter(kind=DelegationKind.GROUP).exists()
    assert meeting.time_zone == "Europe/Zurich"
    created = AuditEvent.objects.get(action=AuditAction.MEETING_CREATED)
    assert created.username == "clerk"
    assert "bms8" in created.summary
    assert AuditEvent.objects.filter(action=AuditAction.PARTICIPANTS_CHANGED).exists()
    history = Participation.history.filter(meeting_id=meeting.pk)
    assert history.count() == states.count()
    assert {row.history_user_id for row in history} == {clerk.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["delegate", "chair"])
def test_only_the_secretariat_sets_up_meetings(bms7, who):
    user = delegate_of("jpn") if who == "delegate" else chairs_office()
    with pytest.raises(NotAllowed, match="Only the secretariat"):
        meeting_create(user=user, setup=_setup(), today=TODAY)
    with pytest.raises(NotAllowed, match="Only the secretariat"):
        meeting_update(user=user, meeting=bms7, setup=_setup(slug="bms7"), today=TODAY)
    with pytest.raises(NotAllowed, match="Only the secretariat"):
        meeting_participants_set(user=user, meeting=bms7, delegations=[_code("jpn")])
    with pytest.raises(NotAllowed, match="Only the secretariat"):
        meeting_coordinators_set(user=user, meeting=bms7, coordinators={})
    assert not Meeting.objects.filter(slug="bms8").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "bms7"}, "already has the address"),
        ({"slug": "BMS 8"}, "lower-case letters"),
        ({"slug": "bms8-"}, "lower-case letters"),
        ({"start_date": datetime.date(1999, 12, 31)}, "first day must lie between"),
        (
            {"start_date": datetime.date(2040, 1, 1), "end_date": datetime.date(2040, 1, 2)},
            "first day",
        ),
        ({"end_date": datetime.date(2026, 6, 1)}, "cannot come before"),
        ({"end_date": datetime.date(2028, 6, 1)}, "a year at most"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time zone"),
        ({"title": "x" * 501}, "title: Ensure this value has at most 500 characters"),
        ({"venue": "v" * 201}, "venue: Ensure"),
    ],
)
def test_bad_setups_are_refused_and_change_nothing(bms7, changes, message):
    before = Meeting.objects.count()
    with pytest.raises(DomainError, match=message):
        meeting_create(user=secretariat(), setup=_setup(**changes), today=TODAY)
    assert Meeting.objects.count() == before
    assert not AuditEvent.objects.filter(action=AuditAction.MEETING_CREATED).exists()


@pytest.mark.django_db
def test_an_update_records_what_changed(bms7):
    clerk = secretariat()
    meeting = meeting_create(user=clerk, setup=_setup(), today=TODAY)
    meeting_update(
        user=clerk,
        meeting=meeting,
        setup=_setup(venue="Vienna", time_zone="Europe/Vienna", slug="bms8-vienna"),
        today=TODAY,
    )
    meeting.refresh_from_db()
    assert (meeting.slug, meeting.venue, meeting.time_zone) == (
        "bms8-vienna",
        "Vienna",
        "Europe/Vienna",
    )
    changed = AuditEvent.objects.get(action=AuditAction.MEETING_CHANGED)
    assert "venue Geneva → Vienna" in changed.summary
    assert "time_zone Europe/Zurich → Europe/Vienna" in changed.summary
    assert meeting.history.first().history_change_reason.startswith("Setup changed")


@pytest.mark.django_db
def test_leaving_removes_the_coordinators_it_concerned(bms7):
    """A State that stops taking part stops coordinating; a group that stops taking part
    loses its coordinator."""
    clerk = secretariat()
    meeting = meeting_create(user=clerk, setup=_setup(), today=TODAY)
    eu, nam = _code("eu"), Delegation.objects.get(short_name="NAM")
    everyone = [*meeting.delegations.all(), eu, nam]
    meeting_participants_set(user=clerk, meeting=meeting, delegations=everyone)
    member_of_eu = eu.members.order_by("name").first()
    member_of_nam = nam.members.order_by("name").first()
    assert (
        meeting_coordinators_set(
            user=clerk, meeting=meeting, coordinators={eu.pk: member_of_eu, nam.pk: member_of_nam}
        )
        == 2
    )
    assert AuditEvent.objects.filter(action=AuditAction.COORDINATOR_DESIGNATED).count() == 2

    without = [d for d in everyone if d.pk not in {member_of_eu.pk, nam.pk}]
    added, removed = meeting_participants_set(user=clerk, meeting=meeting, delegations=without)
    assert added == []
    assert {d.pk for d in removed} == {member_of_eu.pk, nam.pk}
    assert not GroupCoordinator.objects.filter(meeting=meeting).exists()
    summary = AuditEvent.objects.filter(action=AuditAction.PARTICIPANTS_CHANGED).first().summary
    assert "removed" in summary
    assert member_of_eu.short_name in summary


@pytest.mark.django_db
def test_a_coordinator_must_be_a_participating_member_state(bms7):
    clerk = secretariat()
    meeting = meeting_create(user=clerk, setup=_setup(), today=TODAY)
    eu = _code("eu")
    with pytest.raises(DomainError, match="Only a group or organization taking part"):
        meeting_coordinators_set(user=clerk, meeting=meeting, coordinators={eu.pk: None})
    meeting_participants_set(
        user=clerk, meeting=meeting, delegations=[*meeting.delegations.all(), eu]
    )
    outsider = (
        Delegation.objects.filter(kind=DelegationKind.MEMBER_STATE).exclude(groups=eu).first()
    )
    with pytest.raises(DomainError, match="is not a member State of"):
        meeting_coordinators_set(user=clerk, meeting=meeting, coordinators={eu.pk: outsider})
    member = eu.members.order_by("name").first()
    rest = [d for d in meeting.delegations.all() if d.pk != member.pk]
    meeting_participants_set(user=clerk, meeting=meeting, delegations=rest)
    with pytest.raises(DomainError, match="does not take part"):
        meeting_coordinators_set(user=clerk, meeting=meeting, coordinators={eu.pk: member})
    assert not GroupCoordinator.objects.filter(meeting=meeting).exists()


@pytest.mark.django_db
def test_nobody_taking_part_is_refused(bms7):
    with pytest.raises(DomainError, match="At least one delegation"):
        meeting_participants_set(user=secretariat(), meeting=bms7, delegations=[])
    assert bms7.delegations.count() == Delegation.objects.count()


@pytest.mark.django_db
def test_a_copy_takes_participants_and_coordinators_not_the_document(bms7):
    clerk = secretariat()
    eu = _code("eu")
    GroupCoordinator.objects.create(meeting=bms7, group=eu, delegation=eu.members.first())
    Participation.objects.filter(meeting=bms7, delegation=_code("jpn")).delete()
    copy = meeting_create(user=clerk, setup=_setup(), today=TODAY, copy_from=bms7)
    assert set(copy.delegations.values_list("pk", flat=True)) == set(
        bms7.delegations.values_list("pk", flat=True)
    )
    assert not copy.delegations.filter(code="jpn").exists()
    assert list(copy.group_coordinators.values_list("group_id", "delegation_id")) == list(
        bms7.group_coordinators.values_list("group_id", "delegation_id")
    )
    assert not hasattr(Meeting.objects.get(pk=copy.pk), "document")
    assert "copied from bms7" in AuditEvent.objects.get(action=AuditAction.MEETING_CREATED).summary


def _leave(meeting: Meeting, *codes: str) -> None:
    meeting_participants_set(
        user=secretariat(),
        meeting=meeting,
        delegations=meeting.delegations.exclude(code__in=codes),
    )


@pytest.mark.django_db
def test_a_delegation_not_taking_part_neither_proposes_nor_marks(bms7, open_round):
    """Only participants propose, support and oppose at the meeting."""
    import uuid

    from drafting.models import Element
    from drafting.services.marks import mark_set
    from drafting.services.proposals import ProposalContent, proposal_create

    japan, kenya = delegate_of("jpn"), delegate_of("ken")
    theme = Element.objects.get(text="Effective control over SALW")
    proposal = proposal_create(
        user=japan,
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text="Effective [national] control"),
    )
    _leave(bms7, "ken")
    with pytest.raises(NotAllowed, match="does not take part"):
        mark_set(user=delegate_of("ken"), proposal=proposal, stance="support")
    with pytest.raises(NotAllowed, match="does not take part"):
        proposal_create(
            user=kenya,
            element=theme,
            idempotency_key=uuid.uuid4(),
            submit=True,
            content=ProposalContent(kind="amend", proposed_text="Effective [regional] control"),
        )
    assert mark_set(user=delegate_of("mex"), proposal=proposal, stance="support")


@pytest.mark.django_db
def test_only_participants_are_offered_and_accepted_as_co_sponsors(bms7, open_round):
    import uuid

    from drafting.forms import ProposalForm
    from drafting.models import Element
    from drafting.services.proposals import ProposalContent, proposal_create
    from drafting.web.errors import ProposalInvalid

    _leave(bms7, "ken")
    japan = delegate_of("jpn")
    theme = Element.objects.get(text="Effective control over SALW")
    form = ProposalForm(delegation=_code("jpn"), meeting_id=bms7.pk, element=theme)
    offered = set(form.fields["co_sponsors"].queryset.values_list("code", flat=True))
    assert "mex" in offered
    assert "ken" not in offered
    with pytest.raises(ProposalInvalid, match="Kenya: not taking part in this meeting"):
        proposal_create(
            user=japan,
            element=theme,
            idempotency_key=uuid.uuid4(),
            submit=True,
            content=ProposalContent(
                kind="amend",
                proposed_text="Effective [national] control",
                co_sponsors=[_code("ken"), _code("mex")],
            ),
        )
