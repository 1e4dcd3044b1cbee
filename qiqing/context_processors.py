from django.utils.functional import SimpleLazyObject

from qiqing.access import access_for
from qiqing.navigation import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "access": access_for(None)}
    return {
        "nav_items": nav_for(user, request.path),
        "access": access_for(user),
        # One COUNT per page, and only when the page renders the bell.
        "unread_notifications": SimpleLazyObject(lambda: user.notifications.unread().count()),
    }
