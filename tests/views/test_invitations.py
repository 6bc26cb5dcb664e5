"""People join by invitation: who may invite whom, one-time links that expire, the second
factor enrolled in the same step, deactivation, password resets, and the e-mail behind them
(sent by the task worker, never in the request)."""

import re
import time
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.tasks import default_task_backend
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from drafting.models import (
    AuditAction,
    AuditEvent,
    DelegateProfile,
    Delegation,
    Element,
    Invitation,
    Proposal,
)
from drafting.models.invitation import token_hash
from drafting.services.invitations import invitation_create
from drafting.services.proposals import ProposalContent, proposal_create
from tests.factories import chairs_office, delegate_of, secretariat
from tests.shared_cache import empty_cache

PASSWORD = "a-long-passphrase-for-tests"
SITE = "https://drafting.example.org"
LINK = re.compile(re.escape(SITE) + r"(/accounts/invitation/[\w-]+/)")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_site")]


@pytest.fixture
def _site(settings):
    settings.SITE_URL = SITE
    empty_cache("throttle")
    yield
    empty_cache("throttle")


def focal_point_of(code: str, **kwargs):
    user = delegate_of(code, **kwargs)
    DelegateProfile.objects.filter(user=user).update(is_focal_point=True)
    user.refresh_from_db()
    return user


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _invite(client, slug="bms7", **data):
    return client.post(reverse("invitation_create", args=[slug]), data)


def _link_in(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match[1]


def _code(key_hex: str, steps_ahead: int = 0) -> str:
    totp = TOTP(bytes.fromhex(key_hex))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


# --- who may invite whom -------------------------------------------------------------------


def test_the_secretariat_invites_a_focal_point_and_the_mail_carries_the_link(
    bms7, django_capture_on_commit_callbacks
):
    """Both parts of the message come from templates and link to the page (from SITE_URL);
    only the token's hash is stored; the act is in the audit trail."""
    clerk = secretariat(username="clerk")
    kenya = Delegation.objects.get(code="ken")
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(
            _signed_in(clerk), email="focal@kenya.example", role="focal_point", delegation=kenya.pk
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="focal@kenya.example")
    assert (invitation.role, invitation.delegation, invitation.invited_by) == (
        "focal_point",
        kenya,
        clerk,
    )
    assert invitation.expires_at - invitation.created_at == timedelta(hours=72)
    [message] = mail.outbox
    assert message.to == ["focal@kenya.example"]
    assert "BMS7" in message.subject
    path = _link_in(message)
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert invitation.token_hash == token_hash(token)
    assert not Invitation.objects.filter(token_hash=token).exists()
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{SITE}{path}"' in html
    assert "Kenya" in message.body and "Kenya" in html
    assert AuditEvent.objects.filter(
        action=AuditAction.INVITATION_SENT, user=clerk, delegation=kenya
    ).exists()


@override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}})
def test_no_mail_is_sent_inside_the_request_it_is_queued_for_the_worker(
    bms7, django_capture_on_commit_callbacks
):
    """The request only enqueues the task (once its transaction commits): the outbox stays
    empty until a worker runs it."""
    from drafting.tasks import send_email

    default_task_backend.clear()
    clerk = secretariat(username="clerk")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _invite(_signed_in(clerk), email="chair@example.org", role="chairs_office")
    assert len(callbacks) == 1
    assert mail.outbox == []
    [queued] = default_task_backend.results
    assert queued.task.func is send_email.func
    assert queued.kwargs["to"] == "chair@example.org"
    assert queued.kwargs["template"] == "invitation"
    send_email.call(**queued.kwargs)  # what the worker does
    assert len(mail.outbox) == 1


def test_a_focal_point_invites_delegates_of_its_own_delegation_only(bms7):
    focal = focal_point_of("jpn", username="focal")
    japan, mexico = Delegation.objects.get(code="jpn"), Delegation.objects.get(code="mex")
    client = _signed_in(focal)
    assert (
        _invite(client, email="a@jp.example", role="delegate", delegation=japan.pk).status_code
        == 302
    )
    assert Invitation.objects.get(email="a@jp.example").delegation == japan

    other = _invite(client, email="b@mx.example", role="delegate", delegation=mexico.pk)
    assert other.status_code == 422  # not a choice the focal point has
    secretariat_role = _invite(client, email="c@jp.example", role="secretariat")
    assert secretariat_role.status_code == 422
    focal_role = _invite(client, email="d@jp.example", role="focal_point", delegation=japan.pk)
    assert focal_role.status_code == 422
    assert not Invitation.objects.exclude(email="a@jp.example").exists()


def test_the_service_refuses_a_focal_point_another_delegations_invitation(bms7):
    from drafting.web.errors import NotAllowed

    focal = focal_point_of("jpn", username="focal")
    with pytest.raises(NotAllowed, match="may not send"):
        invitation_create(
            actor=focal,
            email="x@mx.example",
            role="delegate",
            delegation=Delegation.objects.get(code="mex"),
        )
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("who", ["delegate", "chair"])
def test_others_may_not_invite(bms7, who):
    """A delegate who is not a focal point, and the chair's office, see no invitation page."""
    user = delegate_of("jpn", username="plain") if who == "delegate" else chairs_office()
    client = _signed_in(user)
    japan = Delegation.objects.get(code="jpn")
    assert client.get(reverse("invitation_create", args=["bms7"])).status_code == 403
    assert (
        _invite(client, email="a@jp.example", role="delegate", delegation=japan.pk).status_code
        == 403
    )
    assert client.get(reverse("invitation_list", args=["bms7"])).status_code == 403
    assert not Invitation.objects.exists()


def test_the_invitation_list_reads_a_bounded_number_of_queries(bms7, django_assert_max_num_queries):
    clerk = secretariat(username="clerk")
    japan = Delegation.objects.get(code="jpn")
    for n in range(15):
        invitation_create(actor=clerk, email=f"p{n}@jp.example", role="delegate", delegation=japan)
        delegate_of("jpn", username=f"jp{n}")
    client = _signed_in(clerk)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("invitation_list", args=["bms7"]) + "?delegation=jpn")
    assert page.status_code == 200
    assert page.text.count("p1") >= 1 and "jp14" in page.text


# --- accepting -----------------------------------------------------------------------------


def _sent(actor, **kwargs):
    return invitation_create(actor=actor, **kwargs)


def test_a_delegate_accepts_once_and_is_signed_in(bms7):
    """A username and a password checked by Django's validators; the link then stops working."""
    clerk = secretariat(username="clerk")
    sent = _sent(
        clerk,
        email="focal@kenya.example",
        role="focal_point",
        delegation=Delegation.objects.get(code="ken"),
        meeting=bms7,
    )
    url = reverse("invitation_accept", args=[sent.token])
    client = Client()
    assert client.get(url).status_code == 200
    weak = client.post(
        url, {"username": "wanjiru", "password1": "12345678", "password2": "12345678"}
    )
    assert weak.status_code == 422
    assert not get_user_model().objects.filter(username="wanjiru").exists()
    done = client.post(url, {"username": "wanjiru", "password1": PASSWORD, "password2": PASSWORD})
    assert done.status_code == 302
    assert done["Location"] == reverse("working_draft", args=["bms7"])
    account = get_user_model().objects.get(username="wanjiru")
    assert account.email == "focal@kenya.example" and account.check_password(PASSWORD)
    assert account.delegate_profile.delegation.code == "ken"
    assert account.delegate_profile.is_focal_point
    assert client.get(reverse("working_draft", args=["bms7"])).status_code == 200
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_ACCEPTED, user=account).exists()

    again = Client().post(url, {"username": "other", "password1": PASSWORD, "password2": PASSWORD})
    assert again.status_code == 410
    assert "already been used" in again.text
    assert get_user_model().objects.filter(email="focal@kenya.example").count() == 1


def test_expired_revoked_and_unknown_links_change_nothing(bms7):
    clerk = secretariat(username="clerk")
    japan = Delegation.objects.get(code="jpn")
    expired = _sent(clerk, email="old@jp.example", role="delegate", delegation=japan)
    Invitation.objects.filter(pk=expired.invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    revoked = _sent(clerk, email="gone@jp.example", role="delegate", delegation=japan)
    revoke = _signed_in(clerk).post(
        reverse("invitation_revoke", args=["bms7", revoked.invitation.pk])
    )
    assert revoke.status_code == 302
    users_before = get_user_model().objects.count()
    for token, status, words in (
        (expired.token, 410, "has expired"),
        (revoked.token, 410, "was withdrawn"),
        ("not-a-token", 404, "not a valid invitation"),
    ):
        url = reverse("invitation_accept", args=[token])
        response = Client().post(
            url, {"username": "someone", "password1": PASSWORD, "password2": PASSWORD}
        )
        assert response.status_code == status
        assert words in response.text
    assert get_user_model().objects.count() == users_before
    assert AuditEvent.objects.filter(action=AuditAction.INVITATION_REVOKED, user=clerk).exists()
    refused = AuditEvent.objects.filter(action=AuditAction.INVITATION_REFUSED)
    assert sorted(refused.values_list("summary", flat=True)) == [
        "expired: old@jp.example",
        "revoked: gone@jp.example",
    ]


def test_a_delegate_of_another_delegation_opening_the_link_is_told_and_nothing_changes(bms7):
    clerk = secretariat(username="clerk")
    sent = _sent(
        clerk,
        email="new@ken.example",
        role="delegate",
        delegation=Delegation.objects.get(code="ken"),
    )
    japanese = _signed_in(delegate_of("jpn", username="tanaka"))
    url = reverse("invitation_accept", args=[sent.token])
    response = japanese.post(url, {"username": "x", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 403
    assert "another delegation" in response.text
    assert Invitation.objects.get(pk=sent.invitation.pk).state == "pending"


def test_a_newer_invitation_to_the_same_address_revokes_the_older_link(bms7):
    clerk = secretariat(username="clerk")
    first = _sent(clerk, email="twice@example.org", role="chairs_office")
    _sent(clerk, email="twice@example.org", role="chairs_office")
    first.invitation.refresh_from_db()
    assert first.invitation.state == "revoked"


@override_settings(OTP_REQUIRED=True)
def test_the_chairs_office_enrols_the_second_factor_in_the_same_step(bms7):
    """The page shows a QR code; without the right code no account is made; with it, the
    account has a confirmed device and the session is verified: no set-up page follows."""
    clerk = secretariat(username="clerk")
    sent = _sent(clerk, email="chair@example.org", role="chairs_office", meeting=bms7)
    url = reverse("invitation_accept", args=[sent.token])
    client = Client()
    page = client.get(url)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.text
    key = client.session["drafting_invitation_second_factor"][str(sent.invitation.pk)]
    fields = {"username": "chair", "password1": PASSWORD, "password2": PASSWORD}
    wrong = client.post(url, {**fields, "token": "000000" if _code(key) != "000000" else "111111"})
    assert wrong.status_code == 422
    assert not get_user_model().objects.filter(username="chair").exists()
    missing = client.post(url, fields)
    assert missing.status_code == 422
    done = client.post(url, {**fields, "token": _code(key)})
    assert done.status_code == 302
    chair = get_user_model().objects.get(username="chair")
    device = TOTPDevice.objects.get(user=chair)
    assert device.confirmed and device.key == key
    assert "drafting_invitation_second_factor" not in client.session
    compilation = reverse("compilation", args=["bms7"])
    assert client.get(compilation).status_code == 200  # verified: no detour to set-up
    assert AuditEvent.objects.filter(action=AuditAction.SECOND_FACTOR_ENROLLED, user=chair).exists()

    # Signing in later asks for a code from that device.
    client.post(reverse("logout"))
    step_one = client.post(reverse("login"), {"username": "chair", "password": PASSWORD})
    assert step_one["Location"] == reverse("second_factor")


@override_settings(OTP_REQUIRED=True)
def test_a_password_alone_cannot_enrol_a_second_factor_for_the_chairs_office(client, bms7):
    """Whoever knows a chair's password (but has no invitation) cannot bind a device."""
    chairs_office(username="chair", password=PASSWORD)
    client.post(reverse("login"), {"username": "chair", "password": PASSWORD})
    page = client.get(reverse("second_factor_setup"))
    assert page.status_code == 403
    assert "invit" in page.text
    posted = client.post(reverse("second_factor_setup"), {"token": "123456"})
    assert posted.status_code == 403
    assert not TOTPDevice.objects.exists()
    assert client.get(reverse("compilation", args=["bms7"])).status_code == 302


# --- deactivation --------------------------------------------------------------------------


def test_a_focal_point_deactivates_a_delegate_of_its_own_delegation(bms7, open_round):
    """The account cannot act any more, its sessions end, its proposals stay the delegation's."""
    focal = focal_point_of("jpn", username="focal")
    leaving = delegate_of("jpn", username="leaving", password=PASSWORD)
    proposal = proposal_create(
        user=leaving,
        element=Element.objects.get(text="Effective control over SALW"),
        idempotency_key=uuid.uuid4(),
        submit=True,
        content=ProposalContent(kind="amend", proposed_text="Effective control over all SALW"),
    )
    theirs = Client()
    theirs.post(reverse("login"), {"username": "leaving", "password": PASSWORD})
    assert theirs.get(reverse("working_draft", args=["bms7"])).status_code == 200
    assert Session.objects.count() >= 1

    response = _signed_in(focal).post(reverse("delegate_deactivate", args=["bms7", leaving.pk]))
    assert response.status_code == 302
    leaving.refresh_from_db()
    assert not leaving.is_active
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(leaving.pk) for s in Session.objects.all()
    )
    assert theirs.get(reverse("working_draft", args=["bms7"])).status_code == 302
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert proposal.delegation.code == "jpn" and proposal.author_id == leaving.pk
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNT_DEACTIVATED, user=focal).exists()


def test_deactivation_is_refused_across_delegations_and_to_plain_delegates(bms7):
    focal = focal_point_of("jpn", username="focal")
    mexican = delegate_of("mex", username="garcia")
    colleague = delegate_of("jpn", username="colleague")
    chair = chairs_office(username="chair")
    url = lambda user: reverse("delegate_deactivate", args=["bms7", user.pk])  # noqa: E731
    assert _signed_in(focal).post(url(mexican)).status_code == 403
    assert _signed_in(focal).post(url(chair)).status_code == 403
    assert _signed_in(colleague).post(url(focal)).status_code == 403
    assert _signed_in(chair).post(url(colleague)).status_code == 403
    for user in (mexican, colleague, chair, focal):
        user.refresh_from_db()
        assert user.is_active
    assert _signed_in(secretariat(username="clerk")).post(url(mexican)).status_code == 302
    mexican.refresh_from_db()
    assert not mexican.is_active


# --- password reset ------------------------------------------------------------------------


def _ask_reset(client, email, address="198.51.100.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_a_password_reset_mails_a_link_and_says_the_same_for_an_unknown_address(
    bms7, django_capture_on_commit_callbacks
):
    user = delegate_of("jpn", username="tanaka", password=PASSWORD)
    user.email = "tanaka@jp.example"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        known = _ask_reset(Client(), "tanaka@jp.example")
        unknown = _ask_reset(Client(), "nobody@jp.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["tanaka@jp.example"]
    link = re.search(re.escape(SITE) + r"(/accounts/reset/\S+/)", message.body)
    assert link and f'href="{SITE}{link[1]}"' in message.alternatives[0][0]
    client = Client()
    form = client.get(link[1], follow=True)
    assert form.status_code == 200
    new = "another-long-passphrase"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)
    assert AuditEvent.objects.filter(action=AuditAction.PASSWORD_RESET_DONE, user=user).exists()


@override_settings(PASSWORD_RESETS_PER_ACCOUNT=2, PASSWORD_RESETS_PER_ADDRESS=5)
def test_password_resets_are_throttled_per_account_and_per_address(
    bms7, django_capture_on_commit_callbacks
):
    user = delegate_of("jpn", username="tanaka", password=PASSWORD)
    user.email = "tanaka@jp.example"
    user.save()
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            response = _ask_reset(Client(), "tanaka@jp.example", address=f"198.51.100.{n}")
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == 2  # per account: two an hour
    for _n in range(3):
        _ask_reset(Client(), "other@jp.example", address="203.0.113.50")
    refused = [_ask_reset(Client(), "x@jp.example", address="203.0.113.50") for _ in range(3)]
    assert [r.status_code for r in refused] == [302, 302, 429]
    assert "Too many requests" in refused[-1].text


# --- e-mail settings, the log, the command ---------------------------------------------------


def test_each_message_sent_is_logged_with_recipient_subject_and_time(bms7, caplog):
    from drafting.mail import deliver

    with caplog.at_level("INFO", logger="drafting.mail"):
        deliver(
            to="someone@example.org",
            subject="Hello",
            template="password_reset",
            context={"link": SITE + "/x/", "username": "someone", "hours": 2},
        )
    [record] = [r for r in caplog.records if r.name == "drafting.mail"]
    assert "to=someone@example.org" in record.getMessage()
    assert "subject='Hello'" in record.getMessage() and " at=" in record.getMessage()
    with pytest.raises(ValueError, match="no such mail template"):
        deliver(to="a@example.org", subject="x", template="../secrets", context={})


MAILERS_PROBE = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"mailers": settings.MAILERS, "site": settings.SITE_URL}))
"""


def test_production_sends_by_smtp_configured_from_the_environment():
    import json

    from tests.test_project import _production_subprocess

    result = _production_subprocess(
        ["-c", MAILERS_PROBE],
        {
            "EMAIL_HOST": "smtp.example.org",
            "EMAIL_PORT": "587",
            "EMAIL_HOST_USER": "drafting",
            "EMAIL_HOST_PASSWORD": "s3cret",
            "EMAIL_USE_TLS": "1",
        },
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    default = probe["mailers"]["default"]
    assert default["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert default["OPTIONS"] == {
        "host": "smtp.example.org",
        "port": 587,
        "username": "drafting",
        "password": "s3cret",
        "use_tls": True,
        "timeout": 30,
    }
    assert probe["site"] == "https://drafting.example.org"
    console = _production_subprocess(["-c", MAILERS_PROBE], {"EMAIL_BACKEND": "console"})
    assert "console.EmailBackend" in console.stdout


def test_the_invite_command_prints_a_working_link(bms7, django_capture_on_commit_callbacks):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="superuser first"):
        call_command("invite", "first@example.org", stdout=StringIO())
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("invite", "first@example.org", "--role", "secretariat", stdout=out)
    path = LINK.search(out.getvalue())[1]
    assert Client().get(path).status_code == 200
    assert mail.outbox[0].to == ["first@example.org"]


@override_settings(OTP_REQUIRED=True)
def test_an_existing_account_gets_its_second_factor_from_a_link_made_in_the_shell(bms7):
    """The superuser of createsuperuser (or a chair who lost the phone): `invite --account`
    prints a link; with it the account keeps its username, gets a new password and a new
    device (the old one goes), and its session is verified."""
    from io import StringIO

    from django.core.management import CommandError, call_command

    root = get_user_model().objects.create_superuser("root", "root@example.org", "old-password-1")
    TOTPDevice.objects.create(user=root, name="Lost phone", confirmed=True)
    with pytest.raises(CommandError, match="need a second factor"):
        call_command("invite", "--account", delegate_of("jpn", username="tanaka").username)
    out = StringIO()
    call_command("invite", "--account", "root", stdout=out)
    path = LINK.search(out.getvalue())[1]
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and 'value="root"' in page.text
    key = client.session["drafting_invitation_second_factor"][
        str(Invitation.objects.get(account=root).pk)
    ]
    done = client.post(
        path,
        {
            "username": "someone-else",  # ignored: the field is disabled
            "password1": PASSWORD,
            "password2": PASSWORD,
            "token": _code(key),
        },
    )
    assert done.status_code == 302
    root.refresh_from_db()
    assert root.username == "root" and root.check_password(PASSWORD)
    assert list(TOTPDevice.objects.filter(user=root).values_list("key", flat=True)) == [key]
    assert client.get("/admin/").status_code == 200
    assert get_user_model().objects.filter(is_superuser=True).count() == 1
    assert Client().get(path).status_code == 410  # used
