from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

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


@require_safe
@role_required(ADMIN, SUPERVISOR, CADRE, HANDLER, CONTACT)
def enterprise_detail(request, pk):
    """Old address of an enterprise's page: the enterprise file (一企一档) is the one page now."""
    enterprise = get_visible_or_404(Enterprise, request.user, pk=pk)
    return redirect("visits:enterprise_file", pk=enterprise.pk)
