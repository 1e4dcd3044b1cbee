"""Template pieces other apps' pages include without importing groups (their templates load these)."""

from django import template

from enterprises.models import Enterprise
from groups import selectors
from groups.models import Commissioner, ServiceType
from qiqing import scope
from requests_tracker.models import Category

register = template.Library()


@register.inclusion_tag("groups/_commissioner_box.html", takes_context=True)
def commissioner_box(context):
    """ "Call the commissioner for this type" beside the request form: the commissioners serving
    the contact's town (or the county), shown by the category chosen (static/js/groups.js)."""
    user = context["request"].user
    own = scope.own_enterprise_id(user)
    town_id = Enterprise.objects.filter(pk=own).values_list("town_id", flat=True).first()
    people = list(
        Commissioner.objects.active()
        .serving(town_id)
        .select_related("cadre__unit")
        .order_by("service_type", "pk")
    )
    by_name = selectors.category_service_types()
    mapping = {
        str(pk): by_name.get(name, [])
        for pk, name in Category.objects.filter(active=True).values_list("pk", "name")
    }
    labels = dict(ServiceType.choices)
    return {"people": [(c, labels[c.service_type]) for c in people], "mapping": mapping}
