"""Append-only records (qiqing.models.AppendOnly): a request's events, pair and team changes and
visit corrections and catalogue edits are written once; changing or deleting one — row by row or in bulk — is refused
with a message naming the record, and the row stays as it was."""

import pytest
from django.core.exceptions import ValidationError

from cadres.models import AssignmentChange
from groups.models import ServiceTeam, ServiceTeamChange
from tests import factories as f
from visits.models import VisitRevision

pytestmark = pytest.mark.django_db


def _event():
    return f.RequestEventFactory(note="受理"), "note", "诉求流转记录"


def _pair_change():
    pair = f.AssignmentFactory()
    change = AssignmentChange.objects.create(
        action="create", assignment=pair, cadre=pair.cadre, enterprise=pair.enterprise, note="新增"
    )
    return change, "note", "联系关系变更记录"


def _team_change():
    team = ServiceTeam.objects.create(code="T9", name="测试智囊团", kind=ServiceTeam.Kind.THINK_TANK)
    return (
        ServiceTeamChange.objects.create(action="create", team=team, note="新建"),
        "note",
        "服务小组变更记录",
    )


def _rule_change():
    from requests_tracker.models import DispatchRule, DispatchRuleChange

    rule = DispatchRule.objects.create(
        category=f.CategoryFactory(), lead_unit=f.UnitFactory(), time_limit_days=5
    )
    return (
        DispatchRuleChange.objects.create(rule=rule, after={"time_limit_days": 5}),
        "after",
        "派单目录修改记录",
    )


def _visit_revision():
    return VisitRevision.objects.create(visit=f.VisitFactory(), reason="更正"), "reason", "走访更正记录"


@pytest.mark.parametrize("make", [_event, _pair_change, _team_change, _rule_change, _visit_revision])
def test_an_append_only_record_refuses_change_and_deletion(make):
    record, field, name = make()
    model = type(record)
    original = getattr(record, field)
    setattr(record, field, "改写")
    with pytest.raises(ValidationError, match=f"{name}只能追加，不能修改"):
        record.save()
    with pytest.raises(ValidationError, match=f"{name}只能追加，不能删除"):
        record.delete()
    with pytest.raises(ValidationError, match=f"{name}只能追加，不能修改"):
        model.objects.filter(pk=record.pk).update(**{field: "改写"})
    with pytest.raises(ValidationError, match=f"{name}只能追加，不能删除"):
        model.objects.filter(pk=record.pk).delete()
    assert getattr(model.objects.get(pk=record.pk), field) == original
