"""Pair services: every change logged; transfer and accepted suggestions are all or nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cadres.models import Assignment, AssignmentChange
from cadres.services import (
    assignment_create,
    assignment_end,
    assignments_accept_suggestions,
    assignments_add,
    assignments_transfer,
)
from tests.factories import AssignmentFactory, CadreFactory, EnterpriseFactory

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)


def _holding(count, **kwargs):
    cadre = CadreFactory(**kwargs)
    for _ in range(count):
        AssignmentFactory(cadre=cadre, start=dt.date(2025, 1, 1))
    return cadre


def test_create_writes_who_when_and_after(world):
    admin = world.users["admin"]
    pair = assignment_create(actor=admin, cadre=world.cadre, enterprise=world.ent_a3, start=START)
    change = AssignmentChange.objects.get(assignment=pair)
    assert (change.actor, change.action, change.before) == (admin, "create", {})
    assert change.after == {
        "cadre_id": world.cadre.pk,
        "cadre": "张三",
        "cadre_code": world.cadre.code,
        "start": "2026-01-05",
        "end": None,
        "is_lead": True,
    }


def test_end_logs_before_and_after(world):
    pair = world.cadre.assignments.get(enterprise=world.ent_a1)
    assignment_end(actor=world.users["admin"], assignment=pair, end=dt.date(2026, 3, 1))
    change = AssignmentChange.objects.get(assignment=pair)
    assert change.action == "end" and change.before["end"] is None and change.after["end"] == "2026-03-01"
    assert "2026-03-01" in change.after_text and "至 今" in change.before_text


def test_refused_change_leaves_no_log(world):
    cadre = _holding(10)
    with pytest.raises(ValidationError):
        assignment_create(actor=None, cadre=cadre, enterprise=EnterpriseFactory(), start=START)
    assert not AssignmentChange.objects.filter(cadre=cadre).exists()


def test_change_log_is_append_only(world):
    pair = assignment_create(actor=None, cadre=world.cadre, enterprise=world.ent_a3, start=START)
    change = AssignmentChange.objects.get(assignment=pair)
    with pytest.raises(ValidationError):
        change.save()
    with pytest.raises(ValidationError):
        AssignmentChange.objects.all().delete()
    with pytest.raises(ValidationError):
        AssignmentChange.objects.update(note="x")


def test_add_several_refuses_past_ten_with_the_numbers():
    cadre = _holding(8, name="赵六")
    with pytest.raises(ValidationError) as info:
        assignments_add(
            actor=None, cadre=cadre, enterprises=[EnterpriseFactory() for _ in range(3)], start=START
        )
    assert info.value.messages == ["干部“赵六”现联系 8 家企业，新增 3 家后将达 11 家，超过上限 10 家。"]
    assert cadre.assignments.count() == 8


def test_add_several_marks_a_second_liaison_as_not_lead(world):
    pairs = assignments_add(
        actor=None, cadre=world.other_cadre, enterprises=[world.ent_a1, world.ent_a3], start=START
    )
    assert [p.is_lead for p in pairs] == [False, True]


def test_transfer_moves_pairs_and_keeps_history(world):
    target = CadreFactory(name="王五")
    on = dt.date(2026, 6, 1)
    moved = assignments_transfer(
        actor=world.users["admin"],
        from_cadre=world.cadre,
        to_cadre=target,
        enterprises=[world.ent_a1, world.ent_a2],
        on=on,
    )
    assert {a.enterprise for a in moved} == {world.ent_a1, world.ent_a2}
    assert all(a.start == on and a.cadre == target for a in moved)
    old = world.cadre.assignments.get(enterprise=world.ent_a1)
    assert old.end == dt.date(2026, 5, 31)
    assert AssignmentChange.objects.filter(action="transfer").count() == 4
    note = AssignmentChange.objects.get(assignment=old).note
    assert note == f"移交给 王五（{target.code}）"


def test_transfer_refuses_a_target_past_ten_with_the_numbers_and_changes_nothing(world):
    target = _holding(9, name="王五")
    with pytest.raises(ValidationError) as info:
        assignments_transfer(
            actor=None,
            from_cadre=world.cadre,
            to_cadre=target,
            enterprises=[world.ent_a1, world.ent_a2],
            on=START,
        )
    assert info.value.message_dict["to_cadre"] == [
        "干部“王五”现联系 9 家企业，移入 2 家后将达 11 家，超过上限 10 家。本次未做任何调整。"
    ]
    assert world.cadre.assignments.active().count() == 2
    assert not AssignmentChange.objects.exists()


def test_transfer_refuses_an_enterprise_the_source_does_not_hold(world):
    with pytest.raises(ValidationError) as info:
        assignments_transfer(
            actor=None,
            from_cadre=world.cadre,
            to_cadre=CadreFactory(),
            enterprises=[world.ent_a1, world.ent_b1],
            on=START,
        )
    assert "乙一新材料有限公司" in info.value.message_dict["enterprises"][0]
    assert world.cadre.assignments.active().count() == 2


def test_transfer_to_the_same_cadre_or_an_inactive_one_is_refused(world):
    with pytest.raises(ValidationError) as same:
        assignments_transfer(
            actor=None, from_cadre=world.cadre, to_cadre=world.cadre, enterprises=[world.ent_a1], on=START
        )
    assert "to_cadre" in same.value.message_dict
    with pytest.raises(ValidationError) as inactive:
        assignments_transfer(
            actor=None,
            from_cadre=world.cadre,
            to_cadre=CadreFactory(active=False),
            enterprises=[world.ent_a1],
            on=START,
        )
    assert "不在岗" in inactive.value.message_dict["to_cadre"][0]


def test_transfer_date_before_the_pair_began_is_refused(world):
    with pytest.raises(ValidationError) as info:
        assignments_transfer(
            actor=None,
            from_cadre=world.cadre,
            to_cadre=CadreFactory(),
            enterprises=[world.ent_a1],
            on=dt.date(2000, 1, 1),
        )
    assert "移交日期不能早于联系开始日期" in info.value.message_dict["on"][0]


def test_transfer_on_the_day_a_pair_started_ends_it_that_day(world):
    pair = assignment_create(actor=None, cadre=world.cadre, enterprise=world.ent_a3, start=START)
    assignments_transfer(
        actor=None, from_cadre=world.cadre, to_cadre=CadreFactory(), enterprises=[world.ent_a3], on=START
    )
    pair.refresh_from_db()
    assert pair.end == START


def test_accept_suggestions_creates_every_pair(world):
    other = CadreFactory()
    created = assignments_accept_suggestions(
        actor=world.users["admin"],
        pairs=[(world.cadre, world.ent_a3), (other, EnterpriseFactory())],
        start=START,
    )
    assert len(created) == 2
    assert set(AssignmentChange.objects.values_list("action", flat=True)) == {"suggest"}


def test_accept_suggestions_is_all_or_nothing_and_lists_every_problem(world):
    full = _holding(10, name="满员")
    with pytest.raises(ValidationError) as info:
        assignments_accept_suggestions(
            actor=None,
            pairs=[(world.cadre, world.ent_a3), (full, EnterpriseFactory()), (world.cadre, world.ent_b1)],
            start=START,
        )
    problems = info.value.message_dict["pairs"]
    assert "干部“满员”现联系 10 家企业，新增 1 家后将达 11 家，超过上限 10 家。" in problems
    assert any("乙一新材料有限公司" in p for p in problems)  # got a liaison meanwhile
    assert not Assignment.objects.filter(enterprise=world.ent_a3).exists()


def test_accept_suggestions_refuses_one_enterprise_for_two_cadres(world):
    with pytest.raises(ValidationError) as info:
        assignments_accept_suggestions(
            actor=None, pairs=[(world.cadre, world.ent_a3), (world.other_cadre, world.ent_a3)], start=START
        )
    assert "被同时建议给" in info.value.message_dict["pairs"][0]
