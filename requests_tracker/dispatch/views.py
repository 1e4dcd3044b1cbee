"""The dispatch catalogue pages (派单目录): admins edit entries, every change kept with its history."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from qiqing.access import ADMIN, SUPERVISOR, access_for
from qiqing.permissions import get_visible_or_404, role_required
from requests_tracker import services
from requests_tracker.dispatch.models import DispatchRule, DispatchRuleChange
from requests_tracker.forms import DispatchRuleForm


@role_required(ADMIN, SUPERVISOR)
def rule_list(request):
    rules = (
        DispatchRule.objects.visible_to(request.user)
        .select_related("category", "town", "lead_unit")
        .prefetch_related("assist_units")
    )
    changes = DispatchRuleChange.objects.select_related("rule__category", "rule__town", "actor")[:30]
    return render(
        request,
        "requests_tracker/dispatch/rule_list.html",
        {"rules": rules, "changes": changes, "may_edit": access_for(request.user).is_admin},
    )


def _save(request, form, rule=None):
    data = form.cleaned_data
    try:
        saved = services.dispatch_rule_save(
            actor=request.user,
            rule=rule,
            category=data["category"],
            town=data["town"],
            lead_unit=data["lead_unit"],
            assist_units=list(data["assist_units"]),
            time_limit_days=data["time_limit_days"],
            active=data["active"],
        )
    except ValidationError as exc:
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None
    messages.success(request, _("已保存派单目录：%(rule)s。") % {"rule": saved})
    return redirect("requests_tracker:dispatch_rules")


@role_required(ADMIN)
def rule_new(request):
    form = DispatchRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (done := _save(request, form)):
        return done
    status = 400 if request.method == "POST" else 200
    return render(request, "requests_tracker/dispatch/rule_form.html", {"form": form}, status=status)


@role_required(ADMIN)
def rule_edit(request, pk):
    rule = get_visible_or_404(DispatchRule.objects.prefetch_related("assist_units"), request.user, pk=pk)
    initial = {
        "category": rule.category_id,
        "town": rule.town_id,
        "lead_unit": rule.lead_unit_id,
        "assist_units": [unit.pk for unit in rule.assist_units.all()],
        "time_limit_days": rule.time_limit_days,
        "active": rule.active,
    }
    form = DispatchRuleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (done := _save(request, form, rule)):
        return done
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "rule": rule, "changes": rule.changes.select_related("actor")}
    return render(request, "requests_tracker/dispatch/rule_form.html", context, status=status)
