from django.core.paginator import Paginator
from django.shortcuts import render

from enterprises.filters import EnterpriseFilter
from enterprises.models import Enterprise
from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR
from qiqing.permissions import get_visible_or_404, role_required


@role_required(ADMIN, SUPERVISOR, CADRE, HANDLER)
def enterprise_list(request):
    base = Enterprise.objects.visible_to(request.user).select_related("town")
    enterprise_filter = EnterpriseFilter(request.GET, queryset=base)
    page = Paginator(enterprise_filter.qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "enterprises/enterprise_list.html", {"filter": enterprise_filter, "page_obj": page}
    )


@role_required(ADMIN, SUPERVISOR, CADRE, HANDLER, CONTACT)
def enterprise_detail(request, pk):
    enterprise = get_visible_or_404(Enterprise.objects.select_related("town"), request.user, pk=pk)
    assignments = enterprise.assignments.select_related("cadre__unit").order_by("end", "-start")
    return render(
        request,
        "enterprises/enterprise_detail.html",
        {"enterprise": enterprise, "assignments": assignments, "tags": enterprise.tags.all()},
    )
