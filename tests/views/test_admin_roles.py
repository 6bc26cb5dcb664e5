"""Roles cannot be raised from below: what the secretariat can and cannot do in the admin.

The secretariat manages delegates and delegations only. It creates, edits and deactivates
accounts that are delegates or have no role, and gives them the Delegates group and a delegate
profile. Granting the chair's office, the secretariat, staff or superuser status is for
superusers; the secretariat cannot change anything of the chair's office's, the secretariat's
or a superuser's account, its own included. Every change of role is in the audit trail.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse

from drafting.access import roles
from drafting.models import AuditAction, AuditEvent, DelegateProfile, Delegation
from tests.factories import UserFactory, chairs_office, delegate_of, secretariat

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "the chair's own passphrase"


@pytest.fixture
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(bms7, fast_hashing):
    return {
        "clerk": secretariat(username="clerk"),
        "chair": chairs_office(username="chair", password=PASSWORD),
        "tanaka": delegate_of("jpn", username="tanaka"),
        "newbie": UserFactory(username="newbie"),
        "root": User.objects.create_superuser("root", "root@example.org", "r" * 20),
    }


def _group(name: str) -> Group:
    return Group.objects.get(name=name)


def _user_form(user, **changes) -> dict:
    """The user's change form as the admin posts it, with ``changes``."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "last_login_0": "",
        "last_login_1": "",
        "groups": [str(group.pk) for group in user.groups.all()],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def _escalation(*names: str) -> dict:
    return {
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [str(_group(name).pk) for name in names],
        "user_permissions": [str(Permission.objects.get(codename="change_user").pk)],
    }


def _privileges() -> dict:
    """Everything that makes up a role, for every account: flags, groups but Delegates,
    own permissions, password; and every group's permissions."""
    accounts = {
        user.pk: (
            user.is_superuser,
            user.is_staff,
            sorted(g.name for g in user.groups.all() if g.name != roles.DELEGATES),
            sorted(p.codename for p in user.user_permissions.all()),
            user.password,
        )
        for user in User.objects.prefetch_related("groups", "user_permissions")
    }
    groups = {
        group.name: sorted(p.codename for p in group.permissions.all())
        for group in Group.objects.prefetch_related("permissions")
    }
    return {"accounts": accounts, "groups": groups}


def test_the_secretariat_cannot_make_itself_superuser_or_chair(client, people):
    """Reproduction: the secretariat ticked is_superuser and "Chair's office" on its own
    account in the admin, then issued revisions. Its own account cannot be changed."""
    clerk = people["clerk"]
    client.force_login(clerk)
    url = reverse("admin:auth_user_change", args=[clerk.pk])
    response = client.post(
        url, _user_form(clerk, **_escalation(roles.SECRETARIAT, roles.CHAIRS_OFFICE))
    )
    assert response.status_code == 403
    clerk.refresh_from_db()
    assert not clerk.is_superuser
    assert not clerk.groups.filter(name=roles.CHAIRS_OFFICE).exists()
    assert not clerk.user_permissions.exists()
    # The page shows the account, read-only: no button to save.
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert "is_superuser" not in page.text


def test_the_secretariat_cannot_set_the_chairs_password(client, people):
    """Reproduction: the secretariat set the chair's password and signed in as the chair."""
    client.force_login(people["clerk"])
    url = reverse("admin:auth_user_password_change", args=[people["chair"].pk])
    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {"usable_password": "true", "password1": "taken-over-1234", "password2": "taken-over-1234"},
    )
    assert response.status_code == 403
    chair = User.objects.get(username="chair")
    assert chair.check_password(PASSWORD)
    for account in ("root", "clerk"):
        url = reverse("admin:auth_user_password_change", args=[people[account].pk])
        assert client.get(url).status_code == 403


def test_the_secretariat_gives_a_delegate_no_more_than_the_delegates_group(client, people):
    """On a delegate's account the form offers only the Delegates group; another group is
    refused, and staff, superuser and permission fields are not in the form: nothing changes."""
    tanaka = people["tanaka"]
    client.force_login(people["clerk"])
    url = reverse("admin:auth_user_change", args=[tanaka.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' in page.text
    assert 'name="is_superuser"' not in page.text and 'name="is_staff"' not in page.text
    assert 'name="user_permissions"' not in page.text
    assert "Chair&#x27;s office" not in page.text and "Chair's office" not in page.text
    before = _privileges()
    response = client.post(
        url, _user_form(tanaka, **_escalation(roles.DELEGATES, roles.CHAIRS_OFFICE))
    )
    assert response.status_code == 200  # the form again, with the refusal
    assert "Select a valid choice" in response.text
    assert _privileges() == before
    # The flags alone are ignored; the save goes through with what the form holds.
    response = client.post(url, _user_form(tanaka, **_escalation(roles.DELEGATES)))
    assert response.status_code == 302
    assert _privileges() == before


def test_the_secretariat_creates_deactivates_and_appoints_delegates(client, people):
    """What the secretariat may do: add an account, make it a delegate of a delegation, set
    a delegate's password, deactivate a delegate; each change is in the audit trail."""
    client.force_login(people["clerk"])
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "dupont",
            "usable_password": "true",
            "password1": "a-new-delegate-passphrase",
            "password2": "a-new-delegate-passphrase",
        },
    )
    assert response.status_code == 302
    dupont = User.objects.get(username="dupont")
    assert not dupont.is_staff and not dupont.groups.exists()
    response = client.post(
        reverse("admin:auth_user_change", args=[dupont.pk]),
        _user_form(dupont, groups=[str(_group(roles.DELEGATES).pk)]),
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:drafting_delegateprofile_add"),
        {"user": str(dupont.pk), "delegation": str(Delegation.objects.get(code="fra").pk)},
    )
    assert response.status_code == 302
    tanaka = people["tanaka"]
    response = client.post(
        reverse("admin:auth_user_password_change", args=[tanaka.pk]),
        {
            "usable_password": "true",
            "password1": "reset-by-clerk-1",
            "password2": "reset-by-clerk-1",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("admin:auth_user_change", args=[tanaka.pk]), _user_form(tanaka, is_active=None)
    )
    assert response.status_code == 302
    tanaka.refresh_from_db()
    assert not tanaka.is_active
    summaries = list(
        AuditEvent.objects.filter(username="clerk")
        .exclude(action=AuditAction.ADMIN_CHANGE)
        .values_list("action", "summary")
    )
    assert (AuditAction.ACCOUNT_CHANGED, "dupont: account created") in summaries
    assert (AuditAction.ROLE_CHANGED, "dupont added to Delegates") in summaries
    assert (AuditAction.ROLE_CHANGED, "dupont now delegate of France") in summaries
    assert (AuditAction.ACCOUNT_CHANGED, "tanaka: password changed") in summaries
    assert (AuditAction.ACCOUNT_CHANGED, "tanaka: active yes → no") in summaries


def test_the_secretariat_cannot_make_the_chair_a_delegate(client, people):
    """A delegate profile is given only to delegates and accounts without a role."""
    client.force_login(people["clerk"])
    before = DelegateProfile.objects.count()
    response = client.post(
        reverse("admin:drafting_delegateprofile_add"),
        {"user": str(people["chair"].pk), "delegation": str(Delegation.objects.get(code="jpn").pk)},
    )
    assert response.status_code == 200 and "Select a valid choice" in response.text
    assert DelegateProfile.objects.count() == before


def test_only_a_superuser_grants_roles_and_it_is_recorded(client, people):
    """A superuser makes an account chair's office and staff; the audit trail says who."""
    client.force_login(people["root"])
    newbie = people["newbie"]
    response = client.post(
        reverse("admin:auth_user_change", args=[newbie.pk]),
        _user_form(newbie, is_staff="on", groups=[str(_group(roles.CHAIRS_OFFICE).pk)]),
    )
    assert response.status_code == 302
    newbie.refresh_from_db()
    assert newbie.is_staff and newbie.groups.filter(name=roles.CHAIRS_OFFICE).exists()
    events = AuditEvent.objects.filter(username="root").values_list("action", "summary")
    assert (AuditAction.ROLE_CHANGED, "newbie added to Chair's office") in events
    assert (AuditAction.ACCOUNT_CHANGED, "newbie: staff status no → yes") in events
    # Once a role is given, the secretariat can no longer change the account.
    client.force_login(people["clerk"])
    url = reverse("admin:auth_user_change", args=[newbie.pk])
    assert client.post(url, _user_form(newbie, groups=[])).status_code == 403


def test_permission_changes_are_recorded(people):
    """A permission given to an account or taken from a role group is a change of role."""
    permission = Permission.objects.get(codename="change_user")
    people["newbie"].user_permissions.add(permission)
    _group(roles.SECRETARIAT).permissions.remove(permission)
    summaries = set(
        AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED).values_list("summary", flat=True)
    )
    assert "newbie: permissions given change_user" in summaries
    assert "group Secretariat: permissions taken away change_user" in summaries


def _admin_urls(objects: dict) -> list[tuple[str, str]]:
    """Every page of every model in the admin: changelist, add, and for a sample object its
    change, history, delete pages (and the password page of accounts)."""
    urls = [("index", reverse("admin:index"))]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append((f"{info}_changelist", reverse(f"{info}_changelist")))
        urls.append((f"{info}_add", reverse(f"{info}_add")))
        samples = objects.get(model) or list(model.objects.order_by("pk")[:1])
        for sample in samples:
            for page in ("change", "history", "delete", "password_change"):
                try:
                    url = reverse(f"{info}_{page}", args=[sample.pk])
                except NoReverseMatch:
                    continue
                urls.append((f"{info}_{page}:{sample}", url))
    return urls


def test_every_admin_page_the_secretariat_reaches_keeps_roles_as_they_were(client, people):
    """Walk the whole admin as the secretariat: every changelist, add, change, history,
    delete and password page of every model answers without a server error; an escalation
    posted to every one of them (flags, role groups, permissions, a password) changes no one's
    role, no group's permissions, and no password but a delegate's or a role-less account's."""
    clerk = people["clerk"]
    client.force_login(clerk)
    objects = {
        User: [clerk, people["chair"], people["root"], people["tanaka"], people["newbie"]],
        Group: list(Group.objects.order_by("name")),
        DelegateProfile: list(DelegateProfile.objects.all()),
    }
    urls = _admin_urls(objects)
    assert len(urls) > 40
    statuses = {}
    for name, url in urls:
        response = client.get(url)
        assert response.status_code < 500, (name, response.status_code)
        statuses[name] = response.status_code
    # What the secretariat reaches and what it does not.
    assert statuses["admin:auth_user_changelist"] == 200
    assert statuses["admin:auth_user_add"] == 200
    assert statuses["admin:auth_group_add"] == 403
    assert statuses["admin:auth_user_delete:chair"] == 403
    assert statuses["admin:auth_user_password_change:chair"] == 403
    assert statuses["admin:auth_user_password_change:tanaka"] == 200
    assert statuses[f"admin:auth_group_change:{roles.SECRETARIAT}"] == 200  # read-only

    manageable = {people["tanaka"].pk, people["newbie"].pk}
    protected = {k: v for k, v in _privileges()["accounts"].items() if k not in manageable}
    groups_before = _privileges()["groups"]
    payload = {
        **_user_form(people["tanaka"]),
        **_escalation(roles.CHAIRS_OFFICE, roles.SECRETARIAT),
        "permissions": [str(p.pk) for p in Permission.objects.all()[:50]],
        "name": roles.SECRETARIAT,
        "usable_password": "true",
        "password1": "escalated-password-1",
        "password2": "escalated-password-1",
        "user": str(clerk.pk),
        "delegation": str(Delegation.objects.get(code="jpn").pk),
        "post": "yes",
    }
    for name, url in urls:
        if name == "index" or name.endswith("changelist"):
            continue
        response = client.post(url, payload)
        assert response.status_code < 500, (name, response.status_code)
        after = _privileges()
        assert {k: v for k, v in after["accounts"].items() if k not in manageable} == protected, (
            name
        )
        assert after["groups"] == groups_before, name
        for pk in manageable:  # a delegate's password may change, never its role
            assert after["accounts"][pk][:4] == (False, False, [], []), name
