from django.db import migrations

# The "meetups held" indicator (亲清会场次), copied from analytics.ranking.DEFAULT_WEIGHTS at the
# time of writing so this migration never changes when the code does.
ADDED = [("meetups", 5, True)]


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
    dependencies = [("analytics", "0007_snapshot_chain_scope"), ("groups", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
