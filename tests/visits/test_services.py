"""visit_log and visit_correct: who may write what, and nothing half written."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cadres.services import assignment_end
from qiqing.access import forget_access
from requests_tracker.models import Request, RequestEvent
from tests import factories as f
from visits.models import Visit, VisitRevision
from visits.services import DuplicateVisit, Problem, can_correct, visit_correct

pytestmark = pytest.mark.django_db


# --- logging ------------------------------------------------------------------------------


def test_cadre_logs_a_visit_to_their_own_enterprise(world, log_visit):
    visit = log_visit(headcount=120, vacancies=8, output_yoy=Decimal("-3.5"), orders="short")
    assert (visit.cadre, visit.enterprise, visit.created_by) == (
        world.cadre,
        world.ent_a2,
        world.users["cadre"],
    )
    assert (visit.headcount, visit.vacancies, visit.output_yoy) == (120, 8, Decimal("-3.5"))


def test_future_date_is_refused_on_the_date_field(world, log_visit, today):
    with pytest.raises(ValidationError) as info:
        log_visit(date=today + dt.timedelta(days=1))
    assert "不能晚于今天" in info.value.message_dict["date"][0]
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


def test_date_before_the_assignment_began_is_refused_naming_the_start(world, log_visit, today):
    start = world.cadre.assignments.get(enterprise=world.ent_a2).start
    with pytest.raises(ValidationError) as info:
        log_visit(date=start - dt.timedelta(days=1))
    message = info.value.message_dict["date"][0]
    assert "不能早于" in message and start.strftime("%Y-%m-%d") in message


def test_first_day_of_the_assignment_is_accepted(world, log_visit):
    start = world.cadre.assignments.get(enterprise=world.ent_a2).start
    assert log_visit(date=start).date == start


@pytest.mark.parametrize("key", ["ent_a3", "ent_b1"])
def test_cadre_cannot_log_for_an_enterprise_they_do_not_hold(world, log_visit, key):
    with pytest.raises(PermissionDenied):
        log_visit(enterprise=getattr(world, key))
    assert not Visit.objects.filter(enterprise=getattr(world, key), cadre=world.cadre).exists()


def test_cadre_cannot_log_after_the_pairing_ended(world, log_visit, today):
    assignment_end(actor=None, assignment=world.cadre.assignments.get(enterprise=world.ent_a2), end=today)
    forget_access(world.users["cadre"])
    with pytest.raises(PermissionDenied):
        log_visit(date=today)


def test_problems_become_submitted_requests_linked_to_the_visit(world, log_visit, hiring, schooling):
    visit = log_visit(
        problems=[Problem(hiring, "春节后普工缺口 30 人"), Problem(schooling, "两名技术骨干子女入学")]
    )
    requests = list(Request.objects.filter(visit=visit).order_by("pk"))
    assert [r.category for r in requests] == [hiring, schooling]
    assert {(r.source, r.status, r.enterprise_id, r.cadre_id) for r in requests} == {
        (Request.Source.VISIT, Request.Status.SUBMITTED, world.ent_a2.pk, world.cadre.pk)
    }
    for request in requests:
        assert list(request.events.values_list("action", flat=True)) == [RequestEvent.Action.SUBMIT]


def test_an_invalid_problem_row_writes_nothing(world, log_visit, hiring):
    visits, requests, events = Visit.objects.count(), Request.objects.count(), RequestEvent.objects.count()
    with pytest.raises(ValidationError) as info:
        log_visit(problems=[Problem(hiring, "缺工 10 人"), Problem(hiring, "   ")])
    assert "第 2 个问题" in info.value.message_dict["problems"][0]
    assert (Visit.objects.count(), Request.objects.count(), RequestEvent.objects.count()) == (
        visits,
        requests,
        events,
    )


def test_an_inactive_category_writes_nothing(world, log_visit, hiring):
    retired = f.CategoryFactory(name="已停用类别", active=False)
    with pytest.raises(ValidationError):
        log_visit(problems=[Problem(hiring, "缺工"), Problem(retired, "旧类别问题")])
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()
    assert not Request.objects.filter(enterprise=world.ent_a2).exists()


def test_same_day_second_visit_needs_confirmation(world, log_visit):
    first = log_visit()
    with pytest.raises(DuplicateVisit) as info:
        log_visit(summary="下午再次走访。")
    assert info.value.existing == first
    assert Visit.objects.filter(enterprise=world.ent_a2).count() == 1
    second = log_visit(summary="下午再次走访。", confirm_duplicate=True)
    assert second.pk != first.pk and Visit.objects.filter(enterprise=world.ent_a2).count() == 2


def test_another_cadres_visit_the_same_day_is_no_duplicate(world, log_visit, today):
    f.AssignmentFactory(cadre=world.other_cadre, enterprise=world.ent_a2)
    f.VisitFactory(enterprise=world.ent_a2, cadre=world.other_cadre, date=today - dt.timedelta(days=1))
    assert log_visit().cadre == world.cadre


def test_blank_summary_is_refused_on_the_field(log_visit):
    with pytest.raises(ValidationError) as info:
        log_visit(summary="  ")
    assert info.value.message_dict["summary"] == ["请填写走访情况。"]


def test_participants_leave_out_the_visiting_cadre_and_refuse_the_inactive(world, log_visit):
    colleague = f.CadreFactory(name="王五")
    visit = log_visit(participants=[colleague, world.cadre])
    assert list(visit.participants.all()) == [colleague]
    retired = f.CadreFactory(name="赵六", active=False)
    with pytest.raises(ValidationError) as info:
        log_visit(participants=[retired], confirm_duplicate=True)
    assert "赵六" in info.value.message_dict["participants"][0]


def test_supervisor_logs_for_a_liaison_cadre_of_an_enterprise_in_scope(world, log_visit):
    visit = log_visit(actor=world.users["supervisor"], enterprise=world.ent_b1, cadre=world.other_cadre)
    assert (visit.cadre, visit.created_by) == (world.other_cadre, world.users["supervisor"])


def test_supervisor_must_name_a_cadre_who_was_the_liaison(world, log_visit):
    with pytest.raises(ValidationError) as info:
        log_visit(actor=world.users["supervisor"], enterprise=world.ent_b1, cadre=world.cadre)
    assert "不是" in info.value.message_dict["cadre"][0]
    with pytest.raises(ValidationError) as info:
        log_visit(actor=world.users["supervisor"], enterprise=world.ent_b1)
    assert info.value.message_dict["cadre"] == ["请选择走访干部。"]


def test_town_supervisor_cannot_log_outside_their_town(world, log_visit):
    with pytest.raises(PermissionDenied):
        log_visit(actor=world.users["town_supervisor"], enterprise=world.ent_a2, cadre=world.cadre)
    assert not Visit.objects.filter(enterprise=world.ent_a2).exists()


@pytest.mark.parametrize("persona", ["handler", "contact", "outsider"])
def test_other_roles_cannot_log_visits(world, log_visit, persona):
    with pytest.raises((PermissionDenied, ValidationError)):
        log_visit(actor=world.users[persona], enterprise=world.ent_a1, cadre=world.cadre)
    assert Visit.objects.filter(enterprise=world.ent_a1).count() == 1  # the world's own visit


# --- corrections --------------------------------------------------------------------------


def _age(visit, days, hours=0):
    Visit.objects.filter(pk=visit.pk).update(created_at=timezone.now() - dt.timedelta(days=days, hours=hours))
    visit.refresh_from_db()
    return visit


def test_author_corrects_within_seven_days_and_the_change_is_kept(world, log_visit):
    visit = _age(log_visit(headcount=100), days=6, hours=23)
    revision = visit_correct(actor=world.users["cadre"], visit=visit, headcount=110, reason="补充数据")
    visit.refresh_from_db()
    assert visit.headcount == 110
    assert revision.changes == {"headcount": {"label": "在岗职工数", "before": "100", "after": "110"}}
    assert (revision.actor, revision.reason) == (world.users["cadre"], "补充数据")


def test_author_is_refused_on_day_eight(world, log_visit):
    visit = _age(log_visit(), days=7, hours=1)
    assert not can_correct(world.users["cadre"], visit)
    with pytest.raises(PermissionDenied):
        visit_correct(actor=world.users["cadre"], visit=visit, summary="改写")
    visit.refresh_from_db()
    assert visit.summary == "了解企业订单情况。" and not VisitRevision.objects.exists()


@pytest.mark.parametrize("persona", ["supervisor", "admin"])
def test_supervisor_and_admin_may_still_correct_on_day_eight(world, log_visit, persona):
    visit = _age(log_visit(), days=30)
    revision = visit_correct(actor=world.users[persona], visit=visit, mode="phone")
    assert revision.changes["mode"] == {"label": "走访方式", "before": "实地走访", "after": "电话"}
    assert VisitRevision.objects.filter(visit=visit).count() == 1


def test_town_supervisor_of_another_town_cannot_correct(world, log_visit):
    visit = log_visit()
    with pytest.raises(PermissionDenied):
        visit_correct(actor=world.users["town_supervisor"], visit=visit, mode="phone")


def test_another_cadre_cannot_correct(world, log_visit):
    visit = log_visit()
    with pytest.raises(PermissionDenied):
        visit_correct(actor=world.users["other_cadre"], visit=visit, mode="phone")


def test_every_correction_adds_a_revision(world, log_visit, today):
    visit = log_visit(date=today - dt.timedelta(days=3))
    colleague = f.CadreFactory(name="王五")
    visit_correct(actor=world.users["cadre"], visit=visit, date=today - dt.timedelta(days=2))
    visit_correct(actor=world.users["cadre"], visit=visit, participants=[colleague], summary="补记")
    first, second = VisitRevision.objects.filter(visit=visit).order_by("at", "pk")
    assert set(first.changes) == {"date"} and set(second.changes) == {"participants", "summary"}
    assert second.changes["participants"] == {"label": "同行干部", "before": "", "after": "王五"}


def test_an_unchanged_correction_writes_no_revision(world, log_visit):
    visit = log_visit()
    assert (
        visit_correct(actor=world.users["cadre"], visit=visit, summary=visit.summary, mode="onsite") is None
    )
    assert not VisitRevision.objects.exists()


def test_corrected_date_obeys_the_same_rules(world, log_visit, today):
    visit = log_visit()
    with pytest.raises(ValidationError) as info:
        visit_correct(actor=world.users["cadre"], visit=visit, date=today + dt.timedelta(days=1))
    assert "date" in info.value.message_dict
    start = world.cadre.assignments.get(enterprise=world.ent_a2).start
    with pytest.raises(ValidationError) as info:
        visit_correct(actor=world.users["cadre"], visit=visit, date=start - dt.timedelta(days=1))
    assert "不能早于" in info.value.message_dict["date"][0]
    assert not VisitRevision.objects.exists()


def test_revisions_cannot_be_edited_or_deleted(world, log_visit):
    visit = log_visit()
    revision = visit_correct(actor=world.users["cadre"], visit=visit, mode="phone")
    revision.reason = "改过"
    with pytest.raises(ValidationError):
        revision.save()
    with pytest.raises(ValidationError):
        VisitRevision.objects.all().delete()
    assert VisitRevision.objects.filter(pk=revision.pk, reason="").exists()
