"""Every input has bounds, checked before any work is done, and no input breaks the app.

Reproductions of issue #14, point 5: a megabyte of ``base_text_seen`` held a worker for 20 s
and the element's row lock with it; a round deadline of 9999-12-31 was stored as year 10000,
which PostgreSQL cannot give back, and the rounds page, My delegation and every submission
then answered 500; ``/audit/?until=9999-12-31`` was a 500.
"""

import time
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drafting.models import ConsultationRound, Element, Proposal
from drafting.services.rounds import round_open, round_reopen
from drafting.web import bounds
from drafting.web.errors import ProposalInvalid
from tests.factories import chairs_office, delegate_of, secretariat

pytestmark = pytest.mark.django_db
THEME = "Cooperation between exporting and importing states"
MEGABYTE = 1_000_000


@pytest.fixture
def theme(bms7):
    return Element.objects.get(text=THEME)


def _proposal(theme, **changes) -> dict:
    return {
        "kind": "amend",
        "proposed_text": f"Enhanced {THEME.lower()}",
        "base_text_seen": THEME,
        "idempotency_key": str(uuid.uuid4()),
        "action": "submit",
        **changes,
    }


def _timed(send):
    started = time.perf_counter()
    response = send()
    return response, time.perf_counter() - started


def test_a_megabyte_of_base_text_is_refused_at_once(client, theme, open_round):
    """1 MB in the propose form's hidden base text: 413 within 100 ms, nothing stored, and the
    element can be proposed on right after."""
    client.force_login(delegate_of("jpn"))
    url = reverse("propose", args=["bms7", theme.pk])
    data = _proposal(theme, base_text_seen="x" * MEGABYTE)
    client.post(url, _proposal(theme, proposed_text=THEME + " now"))  # warm up the view
    before = Proposal.objects.count()
    response, seconds = _timed(lambda: client.post(url, data))
    assert response.status_code == 413
    assert seconds < 0.1, f"{seconds:.3f} s"
    assert "Nothing was stored" in response.text
    assert Proposal.objects.count() == before
    assert client.post(url, _proposal(theme)).status_code == 302


def test_a_long_base_text_under_the_upload_limit_is_refused_by_the_form(client, theme, open_round):
    """100,000 characters of base text fit in a request but not in the field: 422 at once,
    with what was typed kept in the form, and nothing stored."""
    client.force_login(delegate_of("jpn"))
    url = reverse("propose", args=["bms7", theme.pk])
    typed = "Enhanced cooperation, typed with care"
    before = Proposal.objects.count()
    response, seconds = _timed(
        lambda: client.post(
            url, _proposal(theme, proposed_text=typed, base_text_seen="y " * 50_000)
        )
    )
    assert response.status_code == 422
    assert seconds < 1.0, f"{seconds:.3f} s"
    assert typed in response.text
    assert Proposal.objects.count() == before


def test_anything_of_a_megabyte_answers_4xx_within_100_ms(client, theme, open_round):
    """A megabyte in any form or in the address: refused before the session is loaded."""
    client.force_login(delegate_of("jpn"))
    huge = "z" * MEGABYTE
    for url, data in [
        (reverse("propose", args=["bms7", theme.pk]), {"proposed_text": huge}),
        (reverse("login"), {"username": "a", "password": huge}),
        (reverse("rounds", args=["bms7"]), {"form": "open", "name": huge}),
        (reverse("element_review", args=["bms7", theme.pk]), {"action": "compose", "text": huge}),
    ]:
        response, seconds = _timed(lambda: client.post(url, data))  # noqa: B023
        assert response.status_code == 413, url
        assert seconds < 0.1, f"{url}: {seconds:.3f} s"
    response, seconds = _timed(
        lambda: client.get(reverse("compilation", args=["bms7"]), {"q": huge})
    )
    assert response.status_code == 414
    assert seconds < 0.1, f"{seconds:.3f} s"


def _open_form(name: str, opens_at, deadline) -> dict:
    return {
        "form": "open",
        "name": name,
        "opens_at": opens_at.strftime("%Y-%m-%dT%H:%M"),
        "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "idempotency_key": str(uuid.uuid4()),
    }


def test_a_deadline_in_the_year_9999_is_refused_and_everything_still_works(client, theme, bms7):
    """Reproduction: the secretariat opened a round until 9999-12-31; afterwards the rounds
    page, My delegation and every submission answered 500 for everyone. Now the form says
    why (422) and nothing is stored; the pages and submissions keep working."""
    client.force_login(secretariat())
    now = timezone.localtime()
    url = reverse("rounds", args=["bms7"])
    response = client.post(
        url, _open_form("Forever", now, now.replace(year=9999, month=12, day=31))
    )
    assert response.status_code == 422
    assert "The deadline must lie between" in response.text
    assert not ConsultationRound.objects.filter(name="Forever").exists()
    response = client.post(url, _open_form("Long ago", now - timedelta(days=800), now))
    assert response.status_code == 422
    assert "The opening must lie between" in response.text
    response = client.post(
        url, _open_form("Round 1", now - timedelta(hours=1), now + timedelta(days=3))
    )
    assert response.status_code == 302
    assert client.get(url).status_code == 200
    client.force_login(delegate_of("jpn"))
    assert client.get(reverse("delegation_page", args=["bms7"])).status_code == 200
    response = client.post(reverse("propose", args=["bms7", theme.pk]), _proposal(theme))
    assert response.status_code == 302


def test_reopening_until_the_year_9999_is_refused(client, open_round):
    client.force_login(chairs_office())
    response = client.post(
        reverse("rounds", args=["bms7"]),
        {
            "form": "reopen",
            "round": str(open_round.pk),
            "deadline": "9999-12-31T23:59",
            "idempotency_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 422
    assert "The deadline must lie between" in response.text
    deadline = open_round.deadline
    open_round.refresh_from_db()
    assert open_round.deadline == deadline


def test_the_services_keep_round_dates_within_the_window(bms7, open_round):
    """Also from a shell or a script: no date the database cannot give back."""
    now = timezone.now()
    far = now + bounds.ROUND_FUTURE + timedelta(days=1)
    with pytest.raises(ProposalInvalid, match="deadline must lie between"):
        round_open(user=secretariat(), document=bms7.document, name="R", opens_at=now, deadline=far)
    with pytest.raises(ProposalInvalid, match="opening must lie between"):
        round_open(
            user=secretariat(),
            document=bms7.document,
            name="R",
            opens_at=now - bounds.ROUND_PAST - timedelta(days=1),
            deadline=now,
        )
    with pytest.raises(ProposalInvalid, match="deadline must lie between"):
        round_reopen(user=chairs_office(), round_=open_round, deadline=far)


@pytest.mark.parametrize("until", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_the_audit_trail_refuses_dates_out_of_range(client, bms7, until):
    """Reproduction: /audit/?until=9999-12-31 was a 500 (a day later overflows)."""
    client.force_login(secretariat())
    response = client.get(reverse("audit_trail"), {"until": until, "since": until})
    assert response.status_code == 422
    assert "Choose a date between" in response.text


@pytest.mark.parametrize(
    "query", [{"meeting": "bms\x007"}, {"delegation": "jp\x00n"}, {"meeting": "m" * 3000}]
)
def test_the_audit_trail_refuses_codes_that_are_not_codes(client, bms7, query):
    """A NUL or 3,000 characters where a meeting or delegation code goes: a refused filter,
    never a query PostgreSQL refuses."""
    client.force_login(secretariat())
    response = client.get(reverse("audit_trail"), query)
    assert response.status_code == 422
