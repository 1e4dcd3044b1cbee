from django.shortcuts import render

from cadres.models import Cadre
from enterprises.models import Enterprise
from qiqing.access import ADMIN, SUPERVISOR
from qiqing.permissions import role_required
from requests_tracker.models import Request


@role_required(ADMIN, SUPERVISOR)
def overview(request):
    """Landing page for supervisors and admins: the size of the programme in their scope."""
    user = request.user
    context = {
        "enterprises": Enterprise.objects.visible_to(user).active().count(),
        "cadres": Cadre.objects.visible_to(user).active().count(),
        "open_requests": Request.objects.visible_to(user).open().count(),
        "awaiting_triage": Request.objects.visible_to(user).filter(status=Request.Status.SUBMITTED).count(),
    }
    return render(request, "analytics/overview.html", context)
