"""The roles of the product, as Django auth groups (created by a data migration)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

DELEGATES = "Delegates"
CHAIRS_OFFICE = "Chair's office"
SECRETARIAT = "Secretariat"

ROLE_GROUPS = (DELEGATES, CHAIRS_OFFICE, SECRETARIAT)
ROLE_LABELS = {
    DELEGATES: _("Delegate"),
    CHAIRS_OFFICE: _("Chair's office"),
    SECRETARIAT: _("Secretariat"),
}

# The secretariat sets up meetings, delegations, users and documents in the admin and reads
# everything; revisions are only ever viewed there (the chair's office issues them).
SECRETARIAT_PERMISSIONS = {
    ("drafting", "meeting"): ("add", "change", "view"),
    ("drafting", "delegation"): ("add", "change", "view"),
    ("drafting", "delegateprofile"): ("add", "change", "delete", "view"),
    ("drafting", "groupcoordinator"): ("add", "change", "delete", "view"),
    # Chosen on the meeting's setup page (audited there); the admin only shows them.
    ("drafting", "participation"): ("view",),
    ("drafting", "document"): ("add", "change", "view"),
    ("drafting", "element"): ("view",),
    ("drafting", "footnote"): ("view",),
    ("drafting", "revision"): ("view",),
    ("drafting", "auditevent"): ("view",),
    ("auth", "user"): ("add", "change", "view"),
    ("auth", "group"): ("view",),
}


def manageable_accounts(users: Any) -> Any:
    """The accounts a non-superuser with the right to change users may change: delegates and
    accounts without a role. Not staff, not superusers, no group but Delegates, no permission
    of their own (the chair's office, the secretariat and anyone set up by a superuser)."""
    from django.contrib.auth.models import Group

    return (
        users.filter(is_superuser=False, is_staff=False, user_permissions=None)
        .exclude(groups__in=Group.objects.exclude(name=DELEGATES))
        .distinct()
    )


def may_manage(actor: Any, account: Any) -> bool:
    """Whether ``actor`` may change ``account`` (its password, groups, flags): superusers
    any account, others only delegates and accounts without a role (see above)."""
    if actor.is_superuser:
        return True
    if account.is_superuser or account.is_staff:
        return False
    if account.user_permissions.exists():
        return False
    return not account.groups.exclude(name=DELEGATES).exists()


def ensure_role_groups(group_model: Any, permission_model: Any) -> None:
    """Create the role groups and the secretariat's permissions; idempotent.

    Takes the models as arguments so a data migration can pass its historical ones. Setting
    up is not anyone's act: nothing goes to the audit trail (as in a migration).
    """
    from drafting.access import audit

    with audit.paused():
        _ensure_role_groups(group_model, permission_model)


def _ensure_role_groups(group_model: Any, permission_model: Any) -> None:
    for name in ROLE_GROUPS:
        group_model.objects.get_or_create(name=name)
    secretariat = group_model.objects.get(name=SECRETARIAT)
    for (app_label, model), actions in SECRETARIAT_PERMISSIONS.items():
        for action in actions:
            # An early migration runs this before later models (and their permissions) exist;
            # the migration that adds a model runs it again.
            permission = permission_model.objects.filter(
                content_type__app_label=app_label, codename=f"{action}_{model}"
            ).first()
            if permission is not None:
                secretariat.permissions.add(permission)


def grant_role_permissions(apps: Any, schema_editor: Any) -> None:
    """For migrations: create the permissions now (Django makes them after all migrations)
    and give the role groups theirs."""
    from django.contrib.auth.management import create_permissions

    for app_label in ("auth", "drafting"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))
