from django.db import migrations

from drafting.access.roles import grant_role_permissions


class Migration(migrations.Migration):
    """The secretariat reads the audit trail in the admin too (its view permission)."""

    dependencies = [("drafting", "0009_audit_trail")]

    operations = [migrations.RunPython(grant_role_permissions, migrations.RunPython.noop)]
