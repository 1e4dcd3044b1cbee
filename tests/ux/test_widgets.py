"""The assisting units are checkboxes under a search box (no Ctrl-click multi-select)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_tracker.forms import AssignForm
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_assist_units_render_as_searchable_checkboxes(world):
    form = AssignForm(request_obj=world.req_a1, initial={"assist_units": [world.unit_edu.pk]})
    html = str(form["assist_units"])
    assert "<select" not in html and 'type="search"' in html and "data-qq-checklist" in html
    assert html.count('type="checkbox"') == form.fields["assist_units"].queryset.count()
    assert f'value="{world.unit_edu.pk}" id="id_assist_units_' in html
    checked = html.split(f'value="{world.unit_edu.pk}"', 1)[1].split(">", 1)[0]
    assert "checked" in checked
    # The field's label points at the search box, every checkbox has its own label.
    assert form["assist_units"].id_for_label == "id_assist_units_search"
    assert html.count("<label") == html.count('type="checkbox"')


def test_checked_assist_units_are_posted_and_saved(world, login):
    request = f.RequestFactory(
        enterprise=world.ent_a1, status="submitted", description="园区道路破损需要修补。"
    )
    client = login(world.users["supervisor"])
    page = client.get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()
    assert 'name="assist_units"' in page and "按住 Ctrl" not in page
    response = client.post(
        reverse("requests_tracker:action", args=[request.pk, "assign"]),
        {
            "version": request.version,
            "category": request.category_id,
            "lead_unit": world.unit_hr.pk,
            "assist_units": [world.unit_edu.pk, world.unit_town_a.pk],
        },
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "assigned" and request.lead_unit == world.unit_hr
    assert set(request.assists.values_list("unit", flat=True)) == {world.unit_edu.pk, world.unit_town_a.pk}
