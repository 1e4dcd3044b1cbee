from django.core.paginator import Paginator
from django.shortcuts import render

from qiqing.access import ADMIN, CADRE, SUPERVISOR
from qiqing.permissions import role_required
from visits.filters import VisitFilter
from visits.models import Visit


@role_required(ADMIN, SUPERVISOR, CADRE)
def visit_list(request):
    base = Visit.objects.visible_to(request.user).select_related("enterprise__town", "cadre__unit")
    visit_filter = VisitFilter(request.GET, queryset=base)
    page = Paginator(visit_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "visits/visit_list.html", {"filter": visit_filter, "page_obj": page})
