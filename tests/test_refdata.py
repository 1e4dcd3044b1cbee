"""Reference tables kept per process (qiqing.refdata): read once, given fresh after every kind of
write to what they show, never a rolled-back row, never another scope's towns; the triage desk
and the request lists take their towns, categories and units from them instead of queries."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cadres.reference import UNITS, active_units
from enterprises.models import Town
from enterprises.reference import TOWNS, town_rows
from qiqing import refdata
from requests_tracker.dispatch.models import DispatchRule
from requests_tracker.dispatch.selectors import Catalogue
from requests_tracker.models import Category
from requests_tracker.reference import CATALOGUE, CATEGORIES
from tests import factories as f

# Kept tables are only kept outside a transaction that wrote them: these tests commit.
pytestmark = pytest.mark.django_db(transaction=True)


def _names(rows):
    return [row.name for row in rows]


def test_a_table_is_read_once_then_kept(world, django_assert_num_queries):
    first = TOWNS.get()
    with django_assert_num_queries(0):
        again = TOWNS.get()
    assert again is first and _names(first) == _names(Town.objects.all())


def test_save_delete_and_many_to_many_each_give_fresh_rows(world):
    assert "甲镇" in _names(TOWNS.get())
    world.town_a.name = "甲镇（新）"
    world.town_a.save()
    assert "甲镇（新）" in _names(TOWNS.get()) and "甲镇" not in _names(TOWNS.get())

    world.unit_edu.active = False
    world.unit_edu.save()
    assert world.unit_edu.pk not in [u.pk for u in active_units()]
    assert world.unit_edu.pk in [u.pk for u in UNITS.get()]  # old requests still name it

    category = Category.objects.create(name="临时类别", time_limit_days=5)
    assert "临时类别" in _names(CATEGORIES.get())
    category.delete()
    assert "临时类别" not in _names(CATEGORIES.get())

    rule = DispatchRule.objects.create(
        category=Category.objects.first(), lead_unit=world.unit_hr, time_limit_days=7
    )
    request = f.RequestFactory(enterprise=world.ent_a1, category=rule.category, status="submitted")
    assert Catalogue().route(request).assist_units == ()
    rule.assist_units.add(world.unit_edu)  # a many-to-many change, no save of the rule
    world.unit_edu.active = True
    world.unit_edu.save()
    assert [u.pk for u in Catalogue().route(request).assist_units] == [world.unit_edu.pk]
    world.unit_hr.name = "人力资源和社会保障局"
    world.unit_hr.save()  # a unit the catalogue names, renamed
    assert "人力资源和社会保障局牵头" in Catalogue().route(request).why


def test_another_process_write_is_seen_through_the_shared_token(world):
    assert "甲镇" in _names(TOWNS.get())
    # Another process renames the town and writes a new token (no signal reaches this one).
    Town.objects.filter(pk=world.town_a.pk).update(name="甲镇（他处改名）")
    assert "甲镇" in _names(TOWNS.get())  # this process's token is unchanged: kept rows
    cache.set(TOWNS.key, "another-process-token", refdata.TOKEN_SECONDS)
    assert "甲镇（他处改名）" in _names(TOWNS.get())


def test_an_expired_token_loads_again(world, django_assert_num_queries):
    TOWNS.get()
    with django_assert_num_queries(0):
        TOWNS.get()  # kept
    cache.delete(TOWNS.key)  # expired (TOKEN_SECONDS) or evicted
    with django_assert_num_queries(1):
        TOWNS.get()


def test_rows_read_in_a_rolled_back_transaction_are_never_kept(world):
    TOWNS.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        Town.objects.create(code="330421999", name="幻影镇")
        assert "幻影镇" in _names(TOWNS.get())  # the transaction sees its own row …
        raise RuntimeError("roll back")
    assert "幻影镇" not in _names(TOWNS.get())  # … and nobody keeps it


def test_rows_read_before_another_transaction_commits_are_read_again(world):
    TOWNS.get()
    with transaction.atomic():
        world.town_b.name = "乙镇（改）"
        world.town_b.save()
        kept_token = cache.get(TOWNS.key)
    # The commit writes a token again: a process that loaded between the save and the commit
    # (and so kept the old name under the save's token) loads again.
    assert cache.get(TOWNS.key) != kept_token
    assert "乙镇（改）" in _names(TOWNS.get())


def test_a_town_supervisor_never_gets_the_countys_towns(world):
    county = town_rows(Town.objects.visible_to(world.users["supervisor"]))
    assert {t.pk for t in county} >= {world.town_a.pk, world.town_b.pk}
    own = town_rows(Town.objects.visible_to(world.users["town_supervisor"]))
    assert [t.pk for t in own] == [world.town_b.pk]
    assert town_rows(Town.objects.visible_to(world.users["cadre"])) == []


def test_triage_town_filter_lists_only_the_supervisors_towns(world, client):
    client.force_login(world.users["supervisor"])
    county_page = client.get(reverse("requests_tracker:triage")).content.decode()
    assert "甲镇</option>" in county_page and "乙镇</option>" in county_page
    client.force_login(world.users["town_supervisor"])
    town_page = client.get(reverse("requests_tracker:triage")).content.decode()
    assert "乙镇</option>" in town_page and "甲镇</option>" not in town_page


def _tables_read(queries) -> set[str]:
    tables = ("requests_tracker_category", "enterprises_town", "requests_tracker_dispatchrule")
    return {table for table in tables for q in queries if f'"{table}"' in q["sql"]}


def test_triage_desk_reads_no_reference_table_once_kept(world, client):
    category = Category.objects.get(name="招工用工")
    DispatchRule.objects.create(category=category, lead_unit=world.unit_hr, time_limit_days=5)
    f.RequestFactory(enterprise=world.ent_a1, category=category, status="submitted", description="招工难")
    client.force_login(world.users["supervisor"])
    url = reverse("requests_tracker:triage")
    with CaptureQueriesContext(connection) as first:
        cold = client.get(url).content.decode()
    with CaptureQueriesContext(connection) as second:
        warm = client.get(url).content.decode()
    assert _tables_read(first.captured_queries) == {
        "requests_tracker_category",
        "enterprises_town",
        "requests_tracker_dispatchrule",
    }
    assert _tables_read(second.captured_queries) == set()
    assert len(second.captured_queries) <= len(first.captured_queries) - 5
    # The same page, town, category and catalogue reason included.
    assert warm == cold.replace(_csrf(cold), _csrf(warm))
    assert "甲镇 · 招工用工" in warm and "按派单目录（招工用工·全县）：人力社保局牵头" in warm


def test_request_list_rows_take_town_category_and_unit_from_the_tables(world, client):
    client.force_login(world.users["supervisor"])
    url = reverse("requests_tracker:list")
    client.get(url)
    with CaptureQueriesContext(connection) as warm:
        page = client.get(url).content.decode()
    assert _tables_read(warm.captured_queries) == set()
    assert not any('"cadres_unit"' in q["sql"] for q in warm.captured_queries)
    assert "人力社保局" in page and "甲镇" in page and world.req_a1.ref in page


def _csrf(html: str) -> str:
    marker = 'name="csrfmiddlewaretoken" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_a_choice_field_draws_the_kept_rows_and_still_validates_against_the_database(world):
    from requests_tracker.forms import BatchAssignForm

    form = BatchAssignForm()
    options = [str(label) for value, label in form.fields["fallback_lead_unit"].choices if value != ""]
    assert options == _names(active_units())
    bound = BatchAssignForm({"note": "第一批", "fallback_lead_unit": world.unit_hr.pk})
    assert bound.is_valid(), bound.errors
    world.unit_hr.active = False
    world.unit_hr.save()
    bound = BatchAssignForm({"note": "第一批", "fallback_lead_unit": world.unit_hr.pk})
    assert not bound.is_valid() and "fallback_lead_unit" in bound.errors


def test_a_table_cannot_be_declared_twice():
    with pytest.raises(ValueError, match="towns"):
        refdata.Table("towns", list, list)


def test_catalogue_table_is_the_active_rules(world):
    category = Category.objects.get(name="招工用工")
    rule = DispatchRule.objects.create(category=category, lead_unit=world.unit_hr, time_limit_days=5)
    assert set(CATALOGUE.get()) == {(category.pk, None)}
    rule.active = False
    rule.save()
    assert CATALOGUE.get() == {}
