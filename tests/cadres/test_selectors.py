"""Auto-suggest and the needs-attention lists."""

import pytest

from cadres.filters import UnassignedEnterpriseFilter
from cadres.models import Assignment
from cadres.selectors import cadres_over_limit, enterprises_without_liaison, suggest_pairs
from tests.factories import AssignmentFactory, CadreFactory, EnterpriseFactory, TownUnitFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _pairs(run):
    return [(s.enterprise.name, s.cadre.name, s.same_town) for s in run.suggestions]


def _give(cadre, count):
    for _ in range(count):
        AssignmentFactory(cadre=cadre)


def test_same_town_cadre_with_the_fewest_enterprises_first(world):
    busy_here = world.cadre  # town A, holds 2
    light_here = CadreFactory(name="甲镇新人", unit=world.unit_town_a)
    _give(light_here, 1)
    CadreFactory(name="县里空闲", unit=UnitFactory())  # holds 0 but another town
    run = suggest_pairs(world.users["admin"])
    assert _pairs(run) == [("甲三电子有限公司", "甲镇新人", True)]
    assert busy_here.pk != run.suggestions[0].cadre.pk


def test_without_room_in_the_town_the_fewest_county_wide(world):
    _give(world.cadre, 8)  # town A's only cadre is full
    CadreFactory(name="县里空闲", unit=UnitFactory())
    run = suggest_pairs(world.users["admin"])
    assert _pairs(run) == [("甲三电子有限公司", "县里空闲", False)]


def test_suggestions_never_take_a_cadre_past_ten(world):
    _give(world.cadre, 7)  # holds 9
    for i in range(3):
        EnterpriseFactory(town=world.town_a, name=f"甲镇新企业{i}")
    spare = CadreFactory(name="县里空闲", unit=UnitFactory())
    _give(spare, 2)
    run = suggest_pairs(world.users["admin"])
    # 张三 fills up to 10; then the fewest county-wide, ties to the lower code: 李四 (1→2→3), 县里空闲 (2→3).
    counts = {}
    for s in run.suggestions:
        counts[s.cadre.name] = counts.get(s.cadre.name, 0) + 1
    assert counts == {"张三": 1, "县里空闲": 1, "李四": 2}
    assert run.matched == 4 and run.unmatched == 0


def test_enterprises_nobody_has_room_for_are_counted(world):
    _give(world.cadre, 8)
    _give(world.other_cadre, 9)
    run = suggest_pairs(world.users["admin"])
    assert run.suggestions == [] and run.unmatched == 1


def test_badge_base_is_the_count_before_any_suggestion(world):
    EnterpriseFactory(town=world.town_a, name="甲四")
    run = suggest_pairs(world.users["admin"])
    assert [s.count_before for s in run.suggestions] == [2, 2]


def test_town_filter_limits_the_enterprises(world):
    EnterpriseFactory(town=world.town_b, name="乙二")
    run = suggest_pairs(world.users["admin"], town=world.town_b)
    assert [s.enterprise.name for s in run.suggestions] == ["乙二"]


def test_unit_filter_on_unassigned_enterprises_uses_the_unit_town(world):
    base = enterprises_without_liaison(world.users["admin"])
    EnterpriseFactory(town=world.town_b, name="乙二")
    by_town_unit = UnassignedEnterpriseFilter({"unit": world.unit_town_b.pk}, queryset=base).qs
    by_department = UnassignedEnterpriseFilter({"unit": world.unit_hr.pk}, queryset=base).qs
    assert [e.name for e in by_town_unit] == ["乙二"]
    assert {e.name for e in by_department} == {"甲三电子有限公司", "乙二"}


def test_cadres_over_ten_are_listed(world):
    unit = TownUnitFactory()
    cadre = CadreFactory(unit=unit, name="超员")
    Assignment.objects.bulk_create(
        Assignment(cadre=cadre, enterprise=EnterpriseFactory(), start=world.visit_a1.date) for _ in range(11)
    )
    assert [c.name for c in cadres_over_limit(world.users["admin"])] == ["超员"]
