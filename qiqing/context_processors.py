from django.utils.functional import SimpleLazyObject

from qiqing import notifications
from qiqing.access import access_for
from qiqing.navigation import nav_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "access": access_for(None)}
    return {
        "nav_items": nav_for(user, request.path),
        "access": access_for(user),
        # Only when the page renders the bell, and from the cache (dropped on every write).
        "unread_notifications": SimpleLazyObject(lambda: notifications.unread_count(user)),
    }
