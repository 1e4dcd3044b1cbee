"""Batches (交办批次) and the public board (公示榜): thin views over ``analytics.dispatch``."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext as _

from analytics import dispatch
from analytics.views.common import export_query, stamp, wants_xlsx, xlsx
from qiqing import programme
from qiqing.access import ADMIN, CADRE, CONTACT, HANDLER, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from qiqing.xlsx import xlsx_response
from requests_tracker.dispatch import selectors as dispatch_selectors
from requests_tracker.models import Batch

STAFF = (ADMIN, SUPERVISOR, HANDLER, CADRE)


@role_required(ADMIN, SUPERVISOR)
def batches(request):
    page = Paginator(dispatch_selectors.batches_for(request.user), 30).get_page(request.GET.get("page"))
    table = dispatch.batches_table(list(page))
    if wants_xlsx(request):
        return xlsx(_("交办批次_%(d)s.xlsx") % {"d": stamp()}, [table])
    context = {"table": table, "page_obj": page, "export_query": export_query(request)}
    return render(request, "analytics/batches.html", context)


@role_required(ADMIN, SUPERVISOR)
def batch(request, pk):
    obj = get_visible_or_404(Batch.objects.select_related("created_by"), request.user, pk=pk)
    requests = dispatch_selectors.batch_requests(request.user, obj)
    if wants_xlsx(request):
        rows = requests.prefetch_related("assists__unit")
        name = _("%(label)s交办台账.xlsx") % {"label": obj.label}
        return xlsx_response(name, dispatch.ledger_sheets(obj, rows))
    figures, summary = dispatch.batch_summary(obj)
    page = Paginator(requests, 100).get_page(request.GET.get("page"))
    context = {
        "batch": obj,
        "m": figures,
        "summary": summary,
        "page_obj": page,
        "export_query": export_query(request),
    }
    return render(request, "analytics/batch.html", context)


def _may_see_board(user) -> bool:
    access = access_for(user)
    if access.has_role(*STAFF):
        return True
    return access.has_role(CONTACT) and bool(programme.value("board_for_contacts"))


@role_required(*STAFF, CONTACT)
def board(request):
    """公示榜: the latest 擂台比武 with its red and black lists and the red-card notices, read-only."""
    if not _may_see_board(request.user):
        raise PermissionDenied(_("公示榜暂未向企业联络人开放。"))
    page, lists, red_cards = dispatch.board()
    if wants_xlsx(request):
        tables = [t for t in (page.table, lists, red_cards) if t is not None]
        return xlsx(_("公示榜_%(d)s.xlsx") % {"d": stamp()}, tables)
    context = {
        "page": page,
        "ranking": page.ranking,
        "lists": lists,
        "red_cards": red_cards,
        "export_query": export_query(request),
    }
    return render(request, "analytics/board.html", context)
