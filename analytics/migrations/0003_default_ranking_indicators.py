from django.db import migrations

# The contest's starting indicators and weights (analytics.ranking.DEFAULT_WEIGHTS at the time of
# writing, copied so this migration never changes when the code does).
DEFAULTS = [
    ("coverage_rate", 20, True),
    ("visits_per_enterprise", 5, True),
    ("closure_rate", 15, True),
    ("on_time_rate", 15, True),
    ("feedback_rate", 10, True),
    ("satisfaction_rate", 15, True),
    ("overdue", 10, True),
    ("reopened", 0, False),
    ("red_cards", 10, True),
    ("yellow_cards", 0, False),
]


def install(apps, schema_editor):
    RankingIndicator = apps.get_model("analytics", "RankingIndicator")
    for order, (code, weight, active) in enumerate(DEFAULTS, start=1):
        RankingIndicator.objects.get_or_create(
            code=code, defaults={"weight": weight, "active": active, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0002_snapshot_data_until_and_town_ranking")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
