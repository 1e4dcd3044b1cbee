from django.core.paginator import Paginator
from django.shortcuts import render

from cadres.filters import AttentionFilter, CadreFilter
from cadres.models import Cadre
from cadres.selectors import cadres_needing_attention, enterprises_without_liaison
from qiqing.access import ADMIN, CADRE, SUPERVISOR
from qiqing.permissions import get_visible_or_404, role_required


@role_required(ADMIN, SUPERVISOR)
def cadre_list(request):
    base = (
        Cadre.objects.visible_to(request.user)
        .with_active_count()
        .select_related("unit__town")
        .order_by("unit__code", "code")
    )
    cadre_filter = CadreFilter(request.GET, queryset=base)
    page = Paginator(cadre_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "cadres/cadre_list.html", {"filter": cadre_filter, "page_obj": page})


@role_required(ADMIN, SUPERVISOR, CADRE)
def cadre_detail(request, pk):
    cadre = get_visible_or_404(Cadre.objects.select_related("unit__town"), request.user, pk=pk)
    assignments = cadre.assignments.select_related("enterprise__town").order_by("end", "-start")
    return render(request, "cadres/cadre_detail.html", {"cadre": cadre, "assignments": assignments})


@role_required(ADMIN, SUPERVISOR)
def attention(request):
    cadre_filter = AttentionFilter(request.GET, queryset=cadres_needing_attention(request.user))
    enterprises = enterprises_without_liaison(request.user)
    town = cadre_filter.form.cleaned_data.get("town") if cadre_filter.is_valid() else None
    if town:
        enterprises = enterprises.filter(town=town)
    return render(
        request,
        "cadres/attention.html",
        {"filter": cadre_filter, "cadres": cadre_filter.qs[:500], "enterprises": enterprises[:500]},
    )
