import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cadres.models import Assignment, Cadre
from cadres.selectors import cadres_needing_attention, enterprises_without_liaison
from cadres.services import assignment_create, assignment_end
from tests.factories import AssignmentFactory, CadreFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)


def _pair(cadre, count):
    for _ in range(count):
        assignment_create(actor=None, cadre=cadre, enterprise=EnterpriseFactory(), start=START)


def test_tenth_assignment_is_accepted():
    cadre = CadreFactory()
    _pair(cadre, 10)
    assert cadre.active_assignment_count() == 10


def test_eleventh_assignment_is_refused_with_a_clear_message_and_nothing_written():
    cadre = CadreFactory()
    _pair(cadre, 10)
    with pytest.raises(ValidationError) as info:
        assignment_create(actor=None, cadre=cadre, enterprise=EnterpriseFactory(), start=START)
    assert "达到上限" in info.value.message_dict["cadre"][0]
    assert Assignment.objects.filter(cadre=cadre).count() == 10


def test_ended_assignments_do_not_count_towards_the_limit():
    cadre = CadreFactory()
    _pair(cadre, 10)
    assignment_end(actor=None, assignment=cadre.assignments.first(), end=dt.date(2026, 3, 1))
    assignment_create(actor=None, cadre=cadre, enterprise=EnterpriseFactory(), start=dt.date(2026, 3, 2))
    assert cadre.active_assignment_count() == 10


def test_same_pair_twice_is_refused_on_the_enterprise_field():
    cadre, enterprise = CadreFactory(), EnterpriseFactory()
    assignment_create(actor=None, cadre=cadre, enterprise=enterprise, start=START)
    with pytest.raises(ValidationError) as info:
        assignment_create(actor=None, cadre=cadre, enterprise=enterprise, start=START)
    assert "重复" in info.value.message_dict["enterprise"][0]


def test_database_refuses_two_active_rows_for_one_pair():
    existing = AssignmentFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(cadre=existing.cadre, enterprise=existing.enterprise, start=START)


def test_database_allows_a_new_pair_after_the_old_one_ended():
    existing = AssignmentFactory(end=dt.date(2026, 1, 1), start=dt.date(2025, 1, 1))
    Assignment.objects.create(cadre=existing.cadre, enterprise=existing.enterprise, start=START)
    assert Assignment.objects.filter(cadre=existing.cadre, enterprise=existing.enterprise).count() == 2


def test_database_refuses_end_before_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        AssignmentFactory(start=dt.date(2026, 5, 1), end=dt.date(2026, 4, 30))


def test_end_before_start_is_refused_on_the_end_field():
    assignment = AssignmentFactory(start=dt.date(2026, 5, 1))
    with pytest.raises(ValidationError) as info:
        assignment_end(actor=None, assignment=assignment, end=dt.date(2026, 4, 1))
    assert "end" in info.value.message_dict
    assignment.refresh_from_db()
    assert assignment.end is None


def test_inactive_cadre_cannot_take_enterprises():
    cadre = CadreFactory(active=False)
    with pytest.raises(ValidationError) as info:
        assignment_create(actor=None, cadre=cadre, enterprise=EnterpriseFactory(), start=START)
    assert "不在岗" in info.value.message_dict["cadre"][0]


def test_cadres_under_two_need_attention(world):
    admin = world.users["admin"]
    lonely = CadreFactory(name="王五")
    AssignmentFactory(cadre=lonely)
    needing = set(cadres_needing_attention(admin).values_list("name", flat=True))
    assert "王五" in needing and "张三" not in needing  # 张三 holds two


def test_inactive_cadres_are_not_listed_as_needing_attention(world):
    CadreFactory(name="离岗者", active=False)
    assert "离岗者" not in set(cadres_needing_attention(world.users["admin"]).values_list("name", flat=True))


def test_enterprises_without_liaison_are_listed(world):
    names = set(enterprises_without_liaison(world.users["admin"]).values_list("name", flat=True))
    assert names == {"甲三电子有限公司"}


def test_cadre_queryset_counts_only_active_pairs(world):
    AssignmentFactory(cadre=world.cadre, start=dt.date(2025, 1, 1), end=dt.date(2025, 6, 1))
    assert Cadre.objects.with_active_count().get(pk=world.cadre.pk).active_count == 2
