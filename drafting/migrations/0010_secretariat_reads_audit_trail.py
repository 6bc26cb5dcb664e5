from django.contrib.auth.management import create_permissions
from django.db import migrations

from drafting.roles import ensure_role_groups


def grant_role_permissions(apps, schema_editor):
    # Permissions are normally created after all migrations; create them now to assign them.
    for app_label in ("auth", "drafting"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    ensure_role_groups(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    """The secretariat reads the audit trail in the admin too (its view permission)."""

    dependencies = [("drafting", "0009_audit_trail")]

    operations = [migrations.RunPython(grant_role_permissions, migrations.RunPython.noop)]
