"""The audit trail's filter form and its selectors (drafting.selectors.audit), on their own."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from drafting.models import AuditAction, AuditEvent, Delegation, Meeting
from drafting.selectors.audit import AuditFilters, audit_events, audit_meeting, element_labels
from drafting.views.audit import AuditFilterForm
from tests.factories import MeetingFactory

UTC = datetime.UTC


def _event(username: str, action: str, at: datetime.datetime, **fields) -> AuditEvent:
    return AuditEvent.objects.create(username=username, action=action, at=at, **fields)


def test_an_empty_form_filters_nothing_and_a_bad_one_lists_nothing():
    """Unbound: every event (no filter); a date that cannot be read: None (no event)."""
    assert AuditFilterForm(None, element_choices=[]).chosen_filters() == AuditFilters()
    bad = AuditFilterForm({"since": "yesterday-ish"}, element_choices=[])
    assert bad.chosen_filters() is None


@pytest.mark.django_db
def test_the_form_gives_what_was_chosen():
    """Each field read becomes the filter of the same name."""
    japan = Delegation.objects.get(code="jpn")
    form = AuditFilterForm(
        {
            "user": " Japan ",
            "delegation": "jpn",
            "element": "7",
            "action": AuditAction.MARK_SET,
            "since": "2026-03-01",
            "until": "2026-03-02",
        },
        element_choices=[(7, "1. Effective control")],
    )
    assert form.chosen_filters() == AuditFilters(
        user="Japan",
        delegation=japan,
        element=7,
        action=AuditAction.MARK_SET,
        since=datetime.date(2026, 3, 1),
        until=datetime.date(2026, 3, 2),
    )


@pytest.mark.django_db
def test_events_are_filtered_by_user_and_action_and_none_match_unreadable_filters():
    """A username matches whatever its case; None (unreadable filters) lists nothing."""
    at = datetime.datetime(2026, 3, 1, 12, tzinfo=UTC)
    japan = _event("Japan", AuditAction.MARK_SET, at)
    mexico = _event("mexico", AuditAction.MARK_SET, at)
    japan_signs_in = _event("japan", AuditAction.SIGNED_IN, at)
    assert list(audit_events(AuditFilters(user="JAPAN"))) == [japan_signs_in, japan]
    both = AuditFilters(user="japan", action=AuditAction.MARK_SET)
    assert list(audit_events(both)) == [japan]
    unfiltered = list(audit_events(AuditFilters()))
    assert {japan, mexico, japan_signs_in} <= set(unfiltered)
    assert len(unfiltered) == AuditEvent.objects.count()
    assert list(audit_events(None)) == []


@pytest.mark.django_db
def test_dates_are_whole_days_in_the_current_time_zone():
    """ "Until" includes its whole day, read where the reader is (the meeting's zone)."""
    new_york = ZoneInfo("America/New_York")
    late = _event("tz", AuditAction.MARK_SET, datetime.datetime(2026, 3, 1, 23, tzinfo=new_york))
    next_day = _event("tz", AuditAction.MARK_SET, datetime.datetime(2026, 3, 2, 1, tzinfo=new_york))
    day = datetime.date(2026, 3, 1)
    with timezone.override(new_york):
        assert list(audit_events(AuditFilters(user="tz", until=day))) == [late]
        after = AuditFilters(user="tz", since=day + datetime.timedelta(days=1))
        assert list(audit_events(after)) == [next_day]
    # In UTC the same day ends before 23:00 in New York.
    with timezone.override(UTC):
        assert list(audit_events(AuditFilters(user="tz", until=day))) == []


@pytest.mark.django_db
def test_the_meeting_is_the_one_chosen_else_the_only_one(bms7, django_assert_num_queries):
    """By slug (also past the first two), else the only meeting; a NUL is not looked up."""
    assert audit_meeting("") == bms7
    assert audit_meeting("no-such-meeting") == bms7
    MeetingFactory(short_title="A")
    MeetingFactory(short_title="B")  # bms7 ("BMS7") is now the third
    assert audit_meeting("bms7") == bms7
    assert audit_meeting("") is None
    with django_assert_num_queries(1):
        assert audit_meeting("bad\x00slug") is None
    with django_assert_num_queries(1):
        assert audit_meeting("x" * 51) is None


@pytest.mark.django_db
def test_element_labels_read_the_working_draft(bms7):
    """Labels and the start of the text, in reading order; none without a document."""
    meeting = Meeting.objects.select_related("document").get(slug="bms7")
    labels = element_labels(meeting)
    assert next(iter(labels.values())).startswith("1. ")
    assert any(label.startswith("- Effective control over SALW") for label in labels.values())
    assert element_labels(MeetingFactory()) == {}
    assert element_labels(None) == {}
