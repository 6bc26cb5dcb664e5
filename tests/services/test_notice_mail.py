"""Notices e-mailed as each person chose: at once (by the worker, after the commit), in a
daily digest (``send_digests``), or never; per kind of notice, per meeting or for all."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from drafting.models import (
    MAIL_KINDS,
    DelegateProfile,
    Delegation,
    Element,
    MailFrequency,
    Notification,
    NotificationKind,
    ReaderState,
)
from drafting.services.decisions import proposal_reject
from drafting.services.notifications import (
    mail_notifications,
    mail_preference_set,
    send_digests,
    unread_count,
)
from drafting.services.proposals import ProposalContent, proposal_create
from drafting.services.revisions import revision_issue
from drafting.services.rounds import round_open
from tests.factories import chairs_office, delegate_of, secretariat

THEME = "Effective control over SALW"


def _focal_point(code: str, email: str):
    user = delegate_of(code, email=email)
    DelegateProfile.objects.filter(user=user).update(is_focal_point=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def people(bms7):
    return {
        "jpn_focal": _focal_point("jpn", "focal@jpn.example"),
        "jpn_delegate": delegate_of("jpn", email="delegate@jpn.example"),
        "ken_focal": _focal_point("ken", "focal@ken.example"),
        "chair": chairs_office(email="chair@un.example"),
    }


def _propose(user, *, co_sponsors=()):
    return proposal_create(
        user=user,
        element=Element.objects.get(text=THEME),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(
            kind="amend",
            proposed_text="Effective [and accountable] control over SALW",
            co_sponsors=list(co_sponsors),
        ),
    )


def _to(address):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_decision_is_mailed_at_once_to_the_focal_point_after_the_commit(
    people, open_round, django_capture_on_commit_callbacks
):
    """The chair rejects Japan's proposal: Japan's focal point gets one message, with a plain
    text and an HTML part naming the proposal by its place and linking to it; nothing is
    sent before the transaction commits; the other delegate of Japan (digest by default)
    gets nothing yet."""
    proposal = _propose(people["jpn_delegate"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        proposal_reject(user=people["chair"], proposal=proposal, note="Out of scope.")
    assert mail.outbox == []  # not inside the transaction
    for callback in callbacks:
        callback()
    [message] = _to("focal@jpn.example")
    assert _to("delegate@jpn.example") == []
    assert "The chair's office decided on your proposal: rejected" in message.subject
    link = f"http://testserver/m/bms7/proposals/{proposal.public_id}/"
    assert "Agenda item" in message.body and "Effective control over SALW" in message.body
    assert link.replace("http://testserver", "") in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'/m/bms7/proposals/{proposal.public_id}/"' in html
    assert "Out of scope." in html
    note = Notification.objects.get(proposal=proposal, kind=NotificationKind.DECISION)
    assert note.delegation.code == "jpn"


def test_the_digest_gathers_what_others_chose_to_read_once_a_day(
    people, open_round, django_capture_on_commit_callbacks
):
    """The delegate (digest by default) receives one digest listing the decision; a second
    run the same day sends nothing new; a notice the person turned off is never sent."""
    proposal = _propose(people["jpn_delegate"])
    with django_capture_on_commit_callbacks(execute=True):
        proposal_reject(user=people["chair"], proposal=proposal)
    mail.outbox.clear()
    call_command("send_digests", verbosity=0)
    [digest] = _to("delegate@jpn.example")
    assert "daily digest" in digest.subject
    assert "The chair's office decided on your proposal: rejected" in digest.body
    assert _to("focal@jpn.example") == []  # had it at once
    assert ReaderState.objects.get(user=people["jpn_delegate"]).digest_sent_until is not None

    mail.outbox.clear()
    assert send_digests() == 0
    assert mail.outbox == []


def test_preferences_per_meeting_override_those_for_every_meeting(
    people, open_round, django_capture_on_commit_callbacks
):
    """The focal point turns decisions off for BMS7 but wants everything at once elsewhere:
    no message for a BMS7 decision; the delegate asks for decisions at once everywhere and
    gets one at once."""
    meeting = open_round.document.meeting
    mail_preference_set(
        user=people["jpn_focal"],
        meeting=meeting,
        choices={**dict.fromkeys(MAIL_KINDS, MailFrequency.IMMEDIATELY), "decision": "off"},
    )
    mail_preference_set(
        user=people["jpn_focal"],
        meeting=None,
        choices=dict.fromkeys(MAIL_KINDS, MailFrequency.IMMEDIATELY),
    )
    mail_preference_set(
        user=people["jpn_delegate"],
        meeting=None,
        choices={**dict.fromkeys(MAIL_KINDS, MailFrequency.DIGEST), "decision": "immediately"},
    )
    proposal = _propose(people["jpn_delegate"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_reject(user=people["chair"], proposal=proposal)
    assert _to("focal@jpn.example") == []
    assert len(_to("delegate@jpn.example")) == 1
    mail.outbox.clear()
    send_digests()
    assert _to("focal@jpn.example") == []  # off is off, in the digest too


def test_a_co_sponsorship_invitation_is_mailed_to_the_invited_delegation(
    people, open_round, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        proposal = _propose(
            people["jpn_delegate"], co_sponsors=[Delegation.objects.get(code="ken")]
        )
    [message] = _to("focal@ken.example")
    assert "co-sponsor" in message.body
    assert f"/m/bms7/proposals/{proposal.public_id}/" in message.body
    assert Notification.objects.filter(
        delegation__code="ken", kind=NotificationKind.COSPONSORSHIP
    ).exists()


def test_a_round_opened_and_a_revision_issued_tell_every_participating_delegation(
    people, bms7, django_capture_on_commit_callbacks
):
    """Every delegation taking part gets the notice; the focal points are e-mailed at once,
    one message each, linking to the draft or to the revisions."""
    participants = bms7.participations.count()
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        round_open(
            user=secretariat(),
            document=bms7.document,
            name="Informal consultations",
            opens_at=now - timedelta(hours=1),
            deadline=now + timedelta(days=2),
        )
    assert Notification.objects.filter(kind=NotificationKind.ROUND).count() == participants
    [message] = _to("focal@ken.example")
    assert "Informal consultations" in message.body and "/m/bms7/draft/" in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        revision_issue(
            document=bms7.document,
            issued_by=people["chair"],
            cover_letter="Rev.1",
            export_pdf=False,
        )
    notes = Notification.objects.filter(kind=NotificationKind.REVISION, document=bms7.document)
    assert notes.count() == participants
    [message] = _to("focal@ken.example")
    assert "Rev.1" in message.subject and "/m/bms7/revisions/" in message.body
    assert sorted(m.to[0] for m in mail.outbox) == ["focal@jpn.example", "focal@ken.example"]


def test_mailing_notices_costs_the_same_queries_for_many_people(people, bms7):
    """The worker's queries do not grow with notices or people (the places are kept)."""
    others = [_focal_point(code, f"focal@{code}.example") for code in ("mex", "bra", "ind")]
    assert others

    def cost(codes):
        notes = Notification.objects.bulk_create(
            Notification(
                delegation=Delegation.objects.get(code=code),
                document=bms7.document,
                kind=NotificationKind.ROUND,
                message="A round",
            )
            for code in codes
        )
        with CaptureQueriesContext(connection) as captured:
            sent = mail_notifications(notification_ids=[n.pk for n in notes])
        assert sent == len(codes)
        return len(captured)

    assert cost(["jpn"]) == cost(["jpn", "ken", "mex", "bra", "ind"])


def test_the_unread_count_stops_at_a_hundred(people, bms7):
    jpn = Delegation.objects.get(code="jpn")
    user = people["jpn_focal"]
    assert unread_count(user) == 0
    Notification.objects.bulk_create(
        Notification(delegation=jpn, document=bms7.document, kind="round", message=str(i))
        for i in range(120)
    )
    assert unread_count(user) == 100
    ReaderState.objects.create(user=user, notifications_read_at=timezone.now())
    assert unread_count(user) == 0
    assert unread_count(people["chair"]) == 0
