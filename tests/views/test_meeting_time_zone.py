"""A meeting in Geneva: deadlines are entered, and every time is shown, in Geneva time, and the
pages say so; the next request (another meeting, or none) is back in the default zone."""

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from drafting.exports import pdfs
from drafting.models import AuditAction, AuditEvent, ConsultationRound, Element, Meeting
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.rounds import round_open
from tests.factories import delegate_of, secretariat

GENEVA = ZoneInfo("Europe/Zurich")
UTC = datetime.UTC


@pytest.fixture
def geneva(bms7):
    Meeting.objects.filter(pk=bms7.pk).update(time_zone="Europe/Zurich")
    bms7.refresh_from_db()
    return bms7


def _future_day() -> datetime.date:
    """A day in January a year ahead: Geneva is UTC+1 then, New York UTC-5."""
    return datetime.date(timezone.now().year + 1, 1, 15)


@pytest.mark.django_db
def test_a_deadline_typed_on_a_geneva_meeting_is_geneva_time(client, geneva):
    client.force_login(secretariat())
    day = _future_day()
    page = client.get(reverse("rounds", args=["bms7"])).content.decode()
    assert "Deadline (Geneva time)" in page
    assert "Deadlines are in Geneva time" in page
    response = client.post(
        reverse("rounds", args=["bms7"]),
        {
            "form": "open",
            "name": "Geneva round",
            "opens_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "deadline": f"{day:%Y-%m-%d}T18:00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    deadline = ConsultationRound.objects.get(name="Geneva round").deadline
    assert deadline == datetime.datetime(day.year, 1, 15, 17, 0, tzinfo=UTC)
    page = client.get(reverse("rounds", args=["bms7"])).content.decode()
    assert f"15 January {day.year}, 18:00 CET" in page
    # The next request, on no meeting, is back in the default zone.
    client.get(reverse("home"))
    assert timezone.get_current_timezone_name() == "America/New_York"


@pytest.mark.django_db
def test_a_new_york_meeting_still_reads_new_york_time(client, bms7):
    client.force_login(secretariat())
    day = _future_day()
    page = client.get(reverse("rounds", args=["bms7"])).content.decode()
    assert "Deadline (New York time)" in page
    client.post(
        reverse("rounds", args=["bms7"]),
        {
            "form": "open",
            "name": "New York round",
            "opens_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "deadline": f"{day:%Y-%m-%d}T18:00",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    deadline = ConsultationRound.objects.get(name="New York round").deadline
    assert deadline == datetime.datetime(day.year, 1, 15, 23, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_delegation_page_and_the_deadline_message_say_geneva_time(client, geneva):
    now = timezone.now()
    round_ = round_open(
        user=secretariat(),
        document=geneva.document,
        name="Round 1",
        opens_at=now - datetime.timedelta(hours=1),
        deadline=now + datetime.timedelta(hours=1),
    )
    japan = delegate_of("jpn")
    client.force_login(japan)
    page = client.get(reverse("delegation_page", args=["bms7"])).content.decode()
    assert "(Geneva time)" in page
    assert "New York" not in page
    local = timezone.localtime(round_.deadline, GENEVA)
    assert f"{local:%H:%M} CE" in page  # CET or CEST
    theme = Element.objects.get(text="Effective control over SALW")
    draft = proposal_create(
        user=japan,
        element=theme,
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text="Effective [national] control"),
    )
    ConsultationRound.objects.filter(pk=round_.pk).update(
        deadline=now - datetime.timedelta(minutes=1), opens_at=now - datetime.timedelta(hours=2)
    )
    client.force_login(delegate_of("mex"))
    response = client.post(
        reverse("proposal_mark", args=["bms7", draft.public_id]),
        {"stance": "support"},
        follow=True,
    )
    text = response.content.decode()
    assert "(Geneva time)" in text
    deadline = timezone.localtime(now - datetime.timedelta(minutes=1), GENEVA)
    assert f"{deadline:%H:%M}" in text


@pytest.mark.django_db
def test_the_audit_trail_of_a_geneva_meeting_is_in_geneva_time(client, geneva):
    client.force_login(secretariat())
    moment = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    AuditEvent.objects.create(
        action=AuditAction.ROUND_OPENED, document=geneva.document, at=moment, username="x"
    )
    page = client.get(reverse("audit_trail"), {"meeting": "bms7"}).content.decode()
    assert "When (Geneva time)" in page
    assert '2026-01-15 <span class="time">13:00:00</span>' in page


@pytest.mark.django_db
def test_the_compilation_pdf_is_stamped_in_the_meetings_zone(geneva):
    revision = geneva.document.revisions.order_by("number").first()
    as_of = datetime.datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    html = pdfs.page_html(geneva, revision, "compilation", as_of=as_of)
    assert "As of 15 January 2026, 13:00 (Geneva time)" in html
