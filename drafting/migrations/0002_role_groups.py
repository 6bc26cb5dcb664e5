from django.db import migrations

from drafting.access.roles import ROLE_GROUPS, grant_role_permissions


def remove_role_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("drafting", "0001_initial"),
    ]

    operations = [migrations.RunPython(grant_role_permissions, remove_role_groups)]
