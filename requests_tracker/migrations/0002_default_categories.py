from django.db import migrations

from requests_tracker.categories import DEFAULT_CATEGORIES


def create_categories(apps, schema_editor):
    Category = apps.get_model("requests_tracker", "Category")
    for order, (name, limit) in enumerate(DEFAULT_CATEGORIES, start=1):
        Category.objects.get_or_create(name=name, defaults={"time_limit_days": limit, "order": order})


class Migration(migrations.Migration):
    dependencies = [("requests_tracker", "0001_initial")]
    operations = [migrations.RunPython(create_categories, migrations.RunPython.noop)]
