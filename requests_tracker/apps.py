from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsTrackerConfig(AppConfig):
    name = "requests_tracker"
    verbose_name = _("诉求办理")

    def ready(self):
        from django.db.models import signals

        from requests_tracker.models import WorkdayOverride
        from requests_tracker.reference import CATALOGUE, CATEGORIES
        from requests_tracker.selectors import forget_calendar_coverage

        for signal in (signals.post_save, signals.post_delete):
            signal.connect(
                forget_calendar_coverage, sender=WorkdayOverride, dispatch_uid=f"calendar-{signal}"
            )
        CATEGORIES.watch()
        CATALOGUE.watch()
