from django.core.paginator import Paginator
from django.shortcuts import render

from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from requests_tracker.filters import RequestFilter
from requests_tracker.models import Request

ANY_ROLE = (ADMIN, SUPERVISOR, HANDLER, CADRE, CONTACT)


@role_required(*ANY_ROLE)
def request_list(request):
    base = Request.objects.visible_to(request.user).select_related(
        "enterprise__town", "category", "lead_unit"
    )
    request_filter = RequestFilter(request.GET, queryset=base)
    page = Paginator(request_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "requests_tracker/request_list.html", {"filter": request_filter, "page_obj": page})


@role_required(*ANY_ROLE)
def request_detail(request, pk):
    obj = get_visible_or_404(
        Request.objects.select_related("enterprise__town", "category", "lead_unit", "cadre"),
        request.user,
        pk=pk,
    )
    access = access_for(request.user)
    events = obj.events.select_related("actor")
    # An enterprise contact sees only the public part of the history, never internal notes.
    internal = access.roles != ("contact",)
    if not internal:
        events = events.filter(public=True)
    return render(
        request,
        "requests_tracker/request_detail.html",
        {"obj": obj, "events": events, "internal": internal, "assists": obj.assists.select_related("unit")},
    )
