"""The working-day calendar warning shown to admins on every page (registered in settings)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from qiqing.access import access_for
from requests_tracker.selectors import uncovered_years


def calendar_warning(request):
    """Years within the warning horizon that no calendar covers (deadlines there are estimated)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not access_for(user).is_admin:
        return {}
    today = timezone.localdate()
    horizon = today + dt.timedelta(days=settings.QIQING_CALENDAR_WARN_DAYS)
    years = list(range(today.year, horizon.year + 1))
    return {"calendar_uncovered_years": uncovered_years(years)}
