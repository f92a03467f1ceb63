"""Posts addressed to the participants of a context (an operation's thread, its seizures) predate handling
codes and took the default TLP:GREEN, which would let them be passed on to anyone: they become TLP:AMBER,
the operation's own business. Posts already stricter keep their code."""

from django.db import migrations


def explicit_posts_to_amber(apps, schema_editor):  # type: ignore[no-untyped-def]
    Post = apps.get_model("messaging", "Post")
    Post.objects.filter(audience="explicit", handling_code__in=["clear", "green"]).update(handling_code="amber")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0004_post_handling_code_chosen_units")]

    operations = [migrations.RunPython(explicit_posts_to_amber, migrations.RunPython.noop)]
