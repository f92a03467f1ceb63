from django.db import migrations


def create_cursor(apps, schema_editor):
    apps.get_model("messaging", "RelayCursor").objects.get_or_create(pk=1, defaults={"last_position": 0})


class Migration(migrations.Migration):
    """The relay locks this one row to hand out event positions; it must exist before any relay runs."""

    dependencies = [("messaging", "0001_initial")]

    operations = [migrations.RunPython(create_cursor, migrations.RunPython.noop)]
