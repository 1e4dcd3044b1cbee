"""Ratings that can be trusted: every 不满意 rating and every unrated automatic close gets a
callback task; a callback that finds a closed request not solved reopens it (不实办结); the weekly
spot check is reproducible from its seed; a unit may appeal a 不满意 rating once, in time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from qiqing import programme
from requests_tracker import services
from requests_tracker.models import Callback, RatingAppeal, Request, RequestEvent, SpotCheckDraw
from requests_tracker.trust import spotcheck

D = dt.date


def _fresh(obj):
    return type(obj).objects.get(pk=obj.pk)


def _rate_unsatisfied(cast, request):
    return services.request_rate(
        actor=cast.users["contact"],
        request=request,
        satisfaction="unsatisfied",
        comment="招聘会没有适合的人。",
    )


# --- callbacks opened -------------------------------------------------------------------------
def test_unsatisfied_rating_opens_a_callback_due_in_two_working_days(cast, freeze):
    freeze(dt.datetime(2026, 12, 4, 10, 0))  # Friday
    request = cast.build_request("responded")
    _rate_unsatisfied(cast, request)
    callback = Callback.objects.get(request=request)
    # Friday 4 Dec + 2 working days: Monday 7, Tuesday 8 Dec.
    assert (callback.reason, callback.status, callback.due) == ("unsatisfied", "pending", D(2026, 12, 8))
    assert callback.event.action == "rate" and callback.unit == cast.lead_unit and callback.town == cast.town


def test_satisfied_rating_opens_no_callback(cast):
    request = cast.build_request("responded")
    services.request_rate(actor=cast.users["contact"], request=request, satisfaction="satisfied")
    assert not Callback.objects.exists()


def test_auto_close_opens_a_callback_and_a_rerun_opens_none(cast, freeze):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    request = cast.build_request("responded", rating_due=D(2026, 12, 1))
    freeze(dt.datetime(2026, 12, 3, 2, 0))  # Thursday
    assert services.auto_close_requests() == {"closed": 1}
    assert services.auto_close_requests() == {"closed": 0}
    callback = Callback.objects.get(request=request)
    # Thursday 3 Dec + 2: Friday 4, Monday 7 Dec.
    assert (callback.reason, callback.due) == ("auto_closed", D(2026, 12, 7))


def test_callback_deadline_follows_the_option(cast, freeze):
    programme.settings_update(actor=cast.users["admin"], values={"callback_days": 5})
    freeze(dt.datetime(2026, 12, 4, 10, 0))
    _rate_unsatisfied(cast, cast.build_request("responded"))
    # Friday 4 Dec + 5: 7, 8, 9, 10, 11 Dec.
    assert Callback.objects.get().due == D(2026, 12, 11)


# --- recording outcomes ---------------------------------------------------------------------
def _auto_closed(cast, freeze):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    request = cast.build_request("responded", rating_due=D(2026, 12, 1))
    freeze(dt.datetime(2026, 12, 3, 2, 0))
    services.auto_close_requests()
    return _fresh(request), Callback.objects.get(request=request)


def test_not_solved_on_an_auto_closed_request_reopens_it_as_a_false_closure(cast, freeze):
    request, callback = _auto_closed(cast, freeze)
    freeze(dt.datetime(2026, 12, 3, 10, 0))
    done = services.callback_record(
        actor=cast.users["supervisor"],
        callback=callback,
        result="reached",
        verdict="not_solved",
        note="企业称招聘会后仍缺20名焊工。",
    )
    request = _fresh(request)
    assert (done.status, done.false_closure) == ("done", True)
    assert (request.status, request.reopen_count, request.closed_at) == ("reopened", 1, None)
    assert request.lead_unit == cast.lead_unit
    assert request.events.filter(action="reopen", data__false_closure=True).count() == 1


def test_not_solved_without_a_note_is_refused_and_nothing_is_written(cast, freeze):
    request, callback = _auto_closed(cast, freeze)
    events = RequestEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.callback_record(
            actor=cast.users["supervisor"], callback=callback, result="reached", verdict="not_solved"
        )
    assert "回访记录" in refused.value.message_dict["note"][0]
    assert _fresh(callback).status == "pending" and _fresh(request).status == "closed"
    assert RequestEvent.objects.count() == events


def test_solved_closes_the_task_and_leaves_the_request_closed(cast, freeze):
    request, callback = _auto_closed(cast, freeze)
    services.callback_record(
        actor=cast.users["supervisor"], callback=callback, result="reached", verdict="solved"
    )
    assert (_fresh(callback).verdict, _fresh(request).status) == ("solved", "closed")
    assert _fresh(request).events.filter(action="callback").count() == 1


def test_unreached_stays_open_until_the_third_try(cast, freeze):
    _request, callback = _auto_closed(cast, freeze)
    for attempt in (1, 2):
        callback = services.callback_record(
            actor=cast.users["supervisor"], callback=callback, result="unreached", note="无人接听"
        )
        assert (callback.status, callback.attempts) == ("pending", attempt)
    callback = services.callback_record(actor=cast.users["supervisor"], callback=callback, result="unreached")
    assert (callback.status, callback.result, callback.attempts) == ("done", "unreached", 3)


def test_not_solved_after_an_unsatisfied_rating_does_not_reopen_twice(cast):
    request = _rate_unsatisfied(cast, cast.build_request("responded"))
    callback = Callback.objects.get(request=request)
    services.callback_record(
        actor=cast.users["supervisor"],
        callback=callback,
        result="reached",
        verdict="not_solved",
        note="仍缺工。",
    )
    assert (_fresh(request).reopen_count, _fresh(callback).false_closure) == (1, False)


def test_a_done_callback_cannot_be_recorded_again(cast, freeze):
    _request, callback = _auto_closed(cast, freeze)
    services.callback_record(
        actor=cast.users["supervisor"], callback=callback, result="reached", verdict="solved"
    )
    with pytest.raises(ValidationError, match="已完成"):
        services.callback_record(
            actor=cast.users["supervisor"], callback=callback, result="reached", verdict="solved"
        )


def test_handler_and_other_town_supervisor_may_not_record_a_callback(cast, freeze):
    _request, callback = _auto_closed(cast, freeze)
    for who in ("lead", "other_town_supervisor"):
        with pytest.raises(PermissionDenied):
            services.callback_record(
                actor=cast.users[who], callback=callback, result="reached", verdict="solved"
            )
    assert _fresh(callback).status == "pending"


# --- the weekly spot check ------------------------------------------------------------------
def _closed_in_week(cast, freeze, count, week_start, **extra):
    freeze(dt.datetime.combine(week_start, dt.time(8, 0)))
    moment = timezone.make_aware(dt.datetime.combine(week_start, dt.time(10, 0)))
    return [
        cast.build_request("closed", closed_at=moment + dt.timedelta(hours=i), **extra) for i in range(count)
    ]


def test_spot_check_draws_ten_percent_but_at_least_five_and_is_reproducible(cast, freeze):
    week = D(2026, 11, 23)  # Monday
    satisfied = _closed_in_week(cast, freeze, 60, week, last_rating="satisfied")
    unrated = _closed_in_week(cast, freeze, 20, week, satisfaction="", last_rating="")
    _closed_in_week(cast, freeze, 3, week + dt.timedelta(days=7), last_rating="satisfied")  # next week
    _closed_in_week(cast, freeze, 2, week, last_rating="unsatisfied")  # not eligible
    draw, created = services.spotcheck_draw(week_start=week, seed=20261123)
    assert created and draw.population == sorted(r.pk for r in satisfied + unrated)
    assert len(draw.chosen) == 8  # ceil(80 × 10 %) = 8 ≥ 5
    assert spotcheck.redraw(_fresh(draw)) == draw.chosen
    assert sorted(Callback.objects.filter(draw=draw).values_list("request_id", flat=True)) == sorted(
        draw.chosen
    )


def test_same_seed_same_population_same_draw_and_a_rerun_draws_nothing(cast, freeze):
    week = D(2026, 11, 23)
    _closed_in_week(cast, freeze, 12, week, last_rating="basic")
    first, _ = services.spotcheck_draw(week_start=week, seed=7)
    again, created = services.spotcheck_draw(week_start=week, seed=99)
    assert not created and again.pk == first.pk and Callback.objects.count() == 5  # the minimum
    assert spotcheck.draw(first.population, 10, 5, 7) == first.chosen
    assert spotcheck.draw(first.population, 10, 5, 8) != first.chosen


def test_spot_check_sample_size_rules():
    assert [spotcheck.sample_size(n, 10, 5) for n in (0, 3, 40, 51, 100)] == [0, 3, 5, 6, 10]
    assert spotcheck.sample_size(7, 100, 5) == 7


def test_spot_check_share_outside_1_to_100_is_refused_with_the_field_named(cast):
    for bad in (0, 101):
        with pytest.raises(ValidationError) as refused:
            programme.settings_update(actor=cast.users["admin"], values={"spotcheck_share": bad})
        assert "每周抽查比例" in refused.value.message_dict["spotcheck_share"][0]
    assert programme.value("spotcheck_share") == 10


def test_spot_check_job_draws_the_week_that_ended_last_sunday(cast, freeze):
    _closed_in_week(cast, freeze, 6, D(2026, 11, 23), last_rating="satisfied")
    counts = services.spotcheck_last_week(today=D(2026, 12, 1))  # Tuesday of the next week
    assert counts == {"drawn": 5, "population": 6}
    assert SpotCheckDraw.objects.get().week_start == D(2026, 11, 23)
    assert services.spotcheck_last_week(today=D(2026, 12, 1)) == {"drawn": 0, "population": 6}


def test_spot_check_found_false_reopens_the_closure(cast, freeze):
    week = D(2026, 11, 23)
    (request,) = _closed_in_week(cast, freeze, 1, week, last_rating="satisfied")
    services.spotcheck_draw(week_start=week, seed=1)
    callback = Callback.objects.get(reason="spot_check")
    services.callback_record(
        actor=cast.users["town_supervisor"],
        callback=callback,
        result="reached",
        verdict="not_solved",
        note="企业称并未解决。",
    )
    assert (_fresh(request).status, _fresh(callback).false_closure) == ("reopened", True)


# --- appeals ----------------------------------------------------------------------------------
def test_unit_appeals_an_unsatisfied_rating_once_within_three_working_days(cast, freeze):
    freeze(dt.datetime(2026, 12, 4, 10, 0))  # Friday
    request = _rate_unsatisfied(cast, cast.build_request("responded"))
    # Friday 4 Dec + 3 working days: 7, 8, 9 Dec — Wednesday 9 Dec is the last day.
    freeze(dt.datetime(2026, 12, 9, 17, 0))
    appeal = services.appeal_submit(
        actor=cast.users["lead"], request=request, reason="企业要求招录的岗位超出本局职能范围，已说明。"
    )
    assert (appeal.status, appeal.unit, appeal.rated_at) == (
        "pending",
        cast.lead_unit,
        _fresh(request).last_rated_at,
    )
    with pytest.raises(ValidationError, match="只能申诉一次"):
        services.appeal_submit(
            actor=cast.users["lead"], request=request, reason="再次申诉，理由同上，请复核。"
        )
    assert RatingAppeal.objects.count() == 1


def test_appeal_after_the_window_is_refused(cast, freeze):
    freeze(dt.datetime(2026, 12, 4, 10, 0))
    request = _rate_unsatisfied(cast, cast.build_request("responded"))
    freeze(dt.datetime(2026, 12, 10, 9, 0))  # Thursday: the fourth working day
    with pytest.raises(ValidationError, match="申诉期限已过.*2026-12-09"):
        services.appeal_submit(
            actor=cast.users["lead"], request=request, reason="企业要求超出政策范围，已解释说明。"
        )
    assert not RatingAppeal.objects.exists()


def test_appeal_needs_a_reason_and_the_lead_unit(cast):
    request = _rate_unsatisfied(cast, cast.build_request("responded"))
    with pytest.raises(ValidationError) as refused:
        services.appeal_submit(actor=cast.users["lead"], request=request, reason="不服")
    assert "申诉理由" in refused.value.message_dict["reason"][0]
    with pytest.raises(PermissionDenied):
        services.appeal_submit(
            actor=cast.users["spare"], request=request, reason="企业要求超出政策范围，已解释说明。"
        )


def test_satisfied_rating_cannot_be_appealed(cast):
    request = cast.build_request("responded")
    services.request_rate(actor=cast.users["contact"], request=request, satisfaction="basic")
    with pytest.raises(ValidationError, match="无需申诉"):
        services.appeal_submit(
            actor=cast.users["lead"], request=request, reason="企业要求超出政策范围，已解释说明。"
        )


def test_supervisor_overturns_once(cast):
    request = _rate_unsatisfied(cast, cast.build_request("responded"))
    appeal = services.appeal_submit(
        actor=cast.users["lead"], request=request, reason="企业要求超出政策范围，已解释说明。"
    )
    with pytest.raises(ValidationError) as refused:
        services.appeal_decide(actor=cast.users["supervisor"], appeal=appeal, decision="overturned", note="")
    assert "复核意见" in refused.value.message_dict["note"][0]
    decided = services.appeal_decide(
        actor=cast.users["supervisor"], appeal=appeal, decision="overturned", note="经核实属政策限制。"
    )
    assert decided.status == "overturned" and _fresh(request).last_rating == Request.Satisfaction.UNSATISFIED
    with pytest.raises(ValidationError, match="已复核"):
        services.appeal_decide(actor=cast.users["supervisor"], appeal=appeal, decision="upheld", note="改判")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=cast.users["lead"], appeal=appeal, decision="upheld", note="维持")
