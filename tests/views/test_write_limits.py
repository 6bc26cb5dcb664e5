"""Limits on writes and on guessing: per delegation, per address, per account.

Reproductions of issue #14, point 6: a delegation could send proposals without limit; one
address tried 40 usernames once each and was never throttled; 8 wrong current passwords on
the change-password form were answered 200, with no lock-out and no audit event.
"""

import uuid
from types import SimpleNamespace
from unittest import mock

import pytest
from django.test import override_settings
from django.urls import reverse

from drafting.models import AuditAction, AuditEvent, Element, Proposal
from tests.factories import UserFactory, delegate_of
from tests.shared_cache import empty_cache

pytestmark = pytest.mark.django_db
THEME = "Cooperation between exporting and importing states"
PASSWORD = "a-long-passphrase-for-tests"


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def limited(monkeypatch):
    """The limit on, the counters empty, and the clock held at the start of a minute: the
    counters are fixed one-minute windows, and a test that straddled a window's edge on a
    slow machine saw its 31st write allowed (a flaky 302 instead of 429)."""
    import drafting.access.throttle

    clock = [60.0 * 29_000_000]
    monkeypatch.setattr(drafting.access.throttle, "time", SimpleNamespace(time=lambda: clock[0]))
    empty_cache("throttle")
    with override_settings(PROPOSALS_PER_MINUTE=30):
        yield clock
    empty_cache("throttle")


def _proposal(text: str) -> dict:
    return {
        "kind": "amend",
        "proposed_text": text,
        "base_text_seen": THEME,
        "idempotency_key": str(uuid.uuid4()),
        "action": "draft",
    }


def test_thirty_proposals_a_minute_then_429_with_the_text_kept(client, bms7, limited):
    """The 31st write of a delegation within a minute is refused with 429, a clear message
    and the form as typed; nothing is stored. Another delegation is not held up, and a
    minute later the same delegation writes again."""
    theme = Element.objects.get(text=THEME)
    url = reverse("propose", args=["bms7", theme.pk])
    japan = delegate_of("jpn")
    client.force_login(japan)
    for number in range(30):
        response = client.post(url, _proposal(f"{THEME}, number {number}"))
        assert response.status_code == 302, number
    before = Proposal.objects.count()
    typed = f"{THEME}, typed in a hurry"
    response = client.post(url, _proposal(typed))
    assert response.status_code == 429
    assert "30 proposals or changes in the last minute" in response.text
    assert typed in response.text
    assert int(response["Retry-After"]) <= 60
    assert Proposal.objects.count() == before
    # Revising counts too.
    proposal = Proposal.objects.filter(delegation__code="jpn").first()
    response = client.post(
        reverse("proposal_edit", args=["bms7", proposal.public_id]),
        {**_proposal(f"{THEME}, revised"), "version": str(proposal.version)},
    )
    assert response.status_code == 429
    assert f"{THEME}, revised" in response.text
    # Mexico is not held up by Japan.
    client.force_login(delegate_of("mex"))
    assert client.post(url, _proposal(f"{THEME}, from Mexico")).status_code == 302
    # A minute later, Japan writes again.
    client.force_login(japan)
    later = limited[0] + 61
    with mock.patch("drafting.access.throttle.time.time", return_value=later):
        assert client.post(url, _proposal(f"{THEME}, a minute later")).status_code == 302


def _sign_in(client, username: str, password: str, address: str):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_password_spraying_from_one_address_is_throttled(client, bms7, fast_hashing):
    """Reproduction: one address tried 40 usernames once each and was never throttled. After
    20 failures from an address, it is locked out (429) whatever the username, even with a
    right password; another address signs in."""
    UserFactory(username="tanaka", password=PASSWORD)
    statuses = [
        _sign_in(client, f"delegate{number}", "guess-1234", "198.51.100.20").status_code
        for number in range(40)
    ]
    assert statuses[:19] == [200] * 19
    assert set(statuses[20:]) == {429}
    response = _sign_in(client, "tanaka", PASSWORD, "198.51.100.20")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, "tanaka", PASSWORD, "198.51.100.21").status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).exists()


def test_one_account_guessed_from_many_addresses_is_throttled(client, bms7, fast_hashing):
    """Ten failures for one username, from ten addresses: the account is locked out (429)
    from any address for the cool-off, while other accounts sign in."""
    UserFactory(username="tanaka", password=PASSWORD)
    UserFactory(username="garcia", password=PASSWORD)
    for number in range(10):
        _sign_in(client, "tanaka", "guess-1234", f"203.0.113.{number}")
    response = _sign_in(client, "tanaka", PASSWORD, "203.0.113.99")
    assert response.status_code == 429
    assert _sign_in(client, "garcia", PASSWORD, "203.0.113.99").status_code == 302


def test_wrong_current_passwords_are_throttled_and_audited(client, bms7, fast_hashing):
    """Reproduction: 8 wrong current passwords on the change-password form were answered
    200, with no lock-out and no audit event. Now each is refused (422) and recorded; the
    fifth locks the form out (429), even with the right password, and the lock-out is
    recorded; the password stays as it was."""
    user = delegate_of("jpn", username="tanaka", password=PASSWORD)
    client.force_login(user)
    url = reverse("password_change")
    statuses = []
    for attempt in range(8):
        response = client.post(
            url,
            {
                "old_password": f"wrong-{attempt}",
                "new_password1": "a-brand-new-passphrase",
                "new_password2": "a-brand-new-passphrase",
            },
            REMOTE_ADDR="192.0.2.7",
        )
        statuses.append(response.status_code)
    assert statuses[:4] == [422] * 4
    assert set(statuses[4:]) == {429}
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
        REMOTE_ADDR="192.0.2.7",
    )
    assert response.status_code == 429
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    failures = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED, username="tanaka")
    assert failures.count() >= 5
    assert set(failures.values_list("summary", flat=True)) == {
        "wrong current password on the change-password form"
    }
    assert failures.first().ip_address == "192.0.2.7"
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, username="tanaka").exists()


def test_the_right_current_password_changes_it(client, bms7, fast_hashing):
    user = delegate_of("jpn", username="tanaka", password=PASSWORD)
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-brand-new-passphrase",
            "new_password2": "a-brand-new-passphrase",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")


def test_a_write_count_is_one_round_trip_to_redis_and_expires(limited):
    """The count is kept in Redis (one pipeline: made with its expiry if missing, then
    incremented), readable through Django's cache, and gone after two windows."""
    from django.core.cache import caches

    from drafting.access import throttle

    counts = [throttle.count_write("proposals", 7, limit=3, seconds=60) for _ in range(4)]
    assert [count.count for count in counts] == [1, 2, 3, 4]
    assert [count.over for count in counts] == [False, False, False, True]
    cache = caches["throttle"]
    key = f"writes:proposals:7:{int(limited[0] // 60)}"
    assert cache.get(key) == 4
    name = cache.make_and_validate_key(key)
    assert 0 < cache._cache.get_client(name).ttl(name) <= 120
