from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_GROUPS = ("Delegates", "Chair's office", "Secretariat")

# The secretariat sets up meetings, delegations, users and documents in the admin and reads
# everything; revisions are only ever viewed there (they are issued by the chair's office).
SECRETARIAT_PERMISSIONS = {
    ("drafting", "meeting"): ("add", "change", "view"),
    ("drafting", "delegation"): ("add", "change", "view"),
    ("drafting", "delegateprofile"): ("add", "change", "delete", "view"),
    ("drafting", "document"): ("add", "change", "view"),
    ("drafting", "element"): ("view",),
    ("drafting", "footnote"): ("view",),
    ("drafting", "revision"): ("view",),
    ("auth", "user"): ("add", "change", "view"),
    ("auth", "group"): ("view",),
}


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_label in ("auth", "drafting"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)
    secretariat = Group.objects.get(name="Secretariat")
    for (app_label, model), actions in SECRETARIAT_PERMISSIONS.items():
        for action in actions:
            secretariat.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
            )


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("drafting", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
