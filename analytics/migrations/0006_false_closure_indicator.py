from django.db import migrations

# Indicators added to the contest after 0003 (analytics.ranking.DEFAULT_WEIGHTS at the time of
# writing, copied so this migration never changes when the code does).
ADDED = [("false_closures", 5, True)]


def install(apps, schema_editor):
    RankingIndicator = apps.get_model("analytics", "RankingIndicator")
    if not RankingIndicator.objects.exists():
        return  # an empty table gets every default from ensure_ranking_indicators()
    last = RankingIndicator.objects.order_by("-order").values_list("order", flat=True).first() or 0
    for offset, (code, weight, active) in enumerate(ADDED, start=1):
        RankingIndicator.objects.get_or_create(
            code=code, defaults={"weight": weight, "active": active, "order": last + offset}
        )


def remove(apps, schema_editor):
    RankingIndicator = apps.get_model("analytics", "RankingIndicator")
    RankingIndicator.objects.filter(code__in=[code for code, _weight, _active in ADDED]).delete()


class Migration(migrations.Migration):
    dependencies = [("analytics", "0005_snapshot_computed_at_index"), ("requests_tracker", "0007_callbacks_spot_checks_appeals")]

    operations = [migrations.RunPython(install, remove)]
