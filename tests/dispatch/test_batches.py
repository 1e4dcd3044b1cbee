"""交办批次: all or nothing, one event per request, own deadlines, numbered per year, a large batch in
the background, the batch page, its ledger, and its figures reproduced from counts."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from analytics import metrics
from qiqing import jobs
from qiqing.models import BackgroundJob
from requests_tracker import services
from requests_tracker.models import Batch, Request, RequestEvent
from requests_tracker.tasks import DISPATCH_BATCH
from tests import factories as f

pytestmark = pytest.mark.django_db


def _submitted(cast, n):
    return [cast.build_request("submitted") for _ in range(n)]


def test_a_batch_with_an_already_assigned_request_is_refused_whole(cast, rule):
    fresh = _submitted(cast, 3)
    taken = cast.build_request("assigned")
    events = RequestEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.batch_assign(
            actor=cast.users["supervisor"], request_ids=[r.pk for r in [*fresh, taken]], note="第49周新收诉求"
        )
    assert taken.ref in " ".join(exc.value.messages) and "整批未交办" in " ".join(exc.value.messages)
    assert not Batch.objects.exists() and RequestEvent.objects.count() == events
    assert set(Request.objects.filter(pk__in=[r.pk for r in fresh]).values_list("status", flat=True)) == {
        "submitted"
    }


def test_a_batch_fails_whole_when_the_last_request_is_refused_midway(cast, rule, settings):
    """Two requests are assigned, the third (returned too often: it needs its own decision) is
    refused by ``request_assign``: the two roll back with it, no batch number is used up."""
    fresh = _submitted(cast, 2)
    flagged = cast.build_request("submitted", return_count=settings.QIQING_RETURN_FLAG_AFTER + 1)
    events = RequestEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.batch_assign(
            actor=cast.users["supervisor"],
            request_ids=[r.pk for r in [*fresh, flagged]],
            note="第49周新收诉求",
        )
    assert "退回" in " ".join(exc.value.messages)
    ids = [r.pk for r in [*fresh, flagged]]
    assert set(Request.objects.filter(pk__in=ids).values_list("status", "batch_id")) == {("submitted", None)}
    assert RequestEvent.objects.count() == events and not Batch.objects.exists()


def test_each_request_of_a_batch_gets_one_event_and_its_own_deadlines(cast, rule):
    first = cast.build_request("submitted")
    later = cast.build_request("submitted")
    batch = services.batch_assign(
        actor=cast.users["supervisor"], request_ids=[first.pk, later.pk], note="第49周新收诉求，按目录交办。"
    )
    assert str(batch.label) == f"交办〔{timezone.localdate().year}〕第1批"
    for obj in Request.objects.filter(pk__in=[first.pk, later.pk]):
        assert (obj.status, obj.batch_id, obj.lead_unit_id, obj.response_days) == (
            "assigned",
            batch.pk,
            cast.lead_unit.pk,
            8,
        )
        assert obj.events.filter(action="assign").count() == 1 and obj.events.count() == 1
        assert set(obj.assists.values_list("unit_id", flat=True)) == {cast.assist_unit.pk}
        assert obj.response_due is not None and obj.sign_due is not None


def test_batches_are_numbered_per_year(cast, rule):
    a = services.batch_assign(
        actor=cast.users["supervisor"], request_ids=[cast.build_request("submitted").pk], note="一"
    )
    b = services.batch_assign(
        actor=cast.users["supervisor"], request_ids=[cast.build_request("submitted").pk], note="二"
    )
    assert (a.number, b.number) == (1, 2)


def test_a_request_without_a_catalogue_entry_needs_the_fallback_unit(cast):
    request = cast.build_request("submitted")
    with pytest.raises(ValidationError) as exc:
        services.batch_assign(actor=cast.users["supervisor"], request_ids=[request.pk], note="第49周")
    assert "fallback_lead_unit" in exc.value.message_dict
    batch = services.batch_assign(
        actor=cast.users["supervisor"],
        request_ids=[request.pk],
        note="第49周",
        fallback_lead_unit=cast.spare_unit,
    )
    assert Request.objects.get(pk=request.pk).lead_unit == cast.spare_unit and batch.requests.count() == 1


def test_a_batch_needs_a_note(cast, rule):
    with pytest.raises(ValidationError) as exc:
        services.batch_assign(
            actor=cast.users["supervisor"], request_ids=[cast.build_request("submitted").pk], note=" "
        )
    assert "交办说明" in exc.value.message_dict["note"][0]


def test_a_town_supervisor_cannot_batch_another_towns_request(cast, rule):
    elsewhere = f.RequestFactory(enterprise=f.EnterpriseFactory(town=cast.other_town), category=cast.category)
    with pytest.raises(ValidationError):
        services.batch_assign(actor=cast.users["town_supervisor"], request_ids=[elsewhere.pk], note="第49周")
    assert Request.objects.get(pk=elsewhere.pk).status == "submitted"


def test_the_triage_form_assigns_the_ticked_requests_and_opens_the_batch(cast, login, rule):
    ticked = _submitted(cast, 3)
    client = login(cast.users["supervisor"])
    response = client.post(
        reverse("requests_tracker:batch_assign"),
        {"requests": [r.pk for r in ticked], "note": "第49周新收诉求"},
    )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response.url == reverse("analytics:batch", args=[batch.pk])
    page = client.get(response.url)
    assert page.status_code == 200 and page.context["m"].requests == 3


def test_the_triage_form_reports_a_refusal_and_assigns_nothing(cast, login, rule):
    ticked = [*_submitted(cast, 2), cast.build_request("in_progress")]
    client = login(cast.users["supervisor"])
    response = client.post(
        reverse("requests_tracker:batch_assign"),
        {"requests": [r.pk for r in ticked], "note": "第49周"},
        follow=True,
    )
    assert "整批未交办" in response.content.decode() and not Batch.objects.exists()


def test_a_large_selection_runs_as_a_background_job_in_one_transaction(
    cast, login, rule, settings, monkeypatch
):
    monkeypatch.setattr(services, "BATCH_INLINE_MAX", 2)
    ticked = _submitted(cast, 4)
    client = login(cast.users["supervisor"])
    response = client.post(
        reverse("requests_tracker:batch_assign"), {"requests": [r.pk for r in ticked], "note": "第49周"}
    )
    job = BackgroundJob.objects.get(kind=DISPATCH_BATCH)
    assert response.url == reverse("job", args=[job.pk])
    jobs.run(job.pk)  # what the worker does (the test broker may already have run it)
    job.refresh_from_db()
    assert job.status == "done" and job.result["requests"] == 4
    assert Batch.objects.get().requests.count() == 4


def test_a_background_batch_that_is_refused_fails_the_job_and_assigns_nothing(cast, rule):
    ticked = [*_submitted(cast, 2), cast.build_request("assigned")]
    job = jobs.start(
        DISPATCH_BATCH,
        actor=cast.users["supervisor"],
        title="批量交办",
        params={"request_ids": [r.pk for r in ticked], "note": "第49周"},
    )
    jobs.run(job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "整批未交办" in job.error
    assert not Batch.objects.exists()


# --- the batch's figures, from counts ---------------------------------------------------------------
def _day(days_ago):
    return timezone.now() - dt.timedelta(days=days_ago)


@pytest.fixture
def counted_batch(cast):
    """Six requests in one batch, with hand-worked counts:
    requests 6; assigned 6; responded 4 (closed 3: on time 2, late 1; responded not closed 1);
    rated 4 (satisfied/basic 3, unsatisfied 1 that reopened); open 2, of which overdue 1;
    first contact face to face 3 (onsite 2, meeting 1), by phone 1, none yet 2.
    """
    batch = Batch.objects.create(year=2026, number=7, note="第七批", created_by=cast.users["supervisor"])
    today = timezone.localdate()
    base = {"batch": batch, "submitted_at": _day(30), "assigned_at": _day(29), "lead_unit": cast.lead_unit}
    due_future, due_past = today + dt.timedelta(days=5), today - dt.timedelta(days=3)
    rows = [
        # status, responded days ago, response_due, rating, first contact
        ("closed", 10, today, "satisfied", "onsite"),
        ("closed", 10, today, "basic", "meeting"),
        ("closed", 2, today - dt.timedelta(days=5), "satisfied", "phone"),  # late
        ("responded", 1, due_future, "unsatisfied", "onsite"),
        ("in_progress", None, due_past, "", ""),  # overdue
        ("in_progress", None, due_future, "", ""),
    ]
    for status, responded, due, rating, method in rows:
        extra = {}
        if responded is not None:
            extra.update(responded_at=_day(responded), outcome="solved", response="已答复企业，问题已解决。")
        if status == "closed":
            extra.update(closed_at=_day(responded - 1) if responded > 1 else _day(0), satisfaction=rating)
        if rating:
            extra.update(last_rating=rating, last_rated_at=_day(1))
        if method:
            extra.update(first_contact_method=method, contacted_at=_day(28))
        f.RequestFactory(
            enterprise=cast.enterprise,
            category=cast.category,
            status=status,
            response_due=due,
            is_overdue=status == "in_progress" and due < today,
            **base,
            **extra,
        )
    return batch


def test_batch_metrics_are_reproduced_exactly_from_counts(counted_batch):
    m = metrics.compute_batches([counted_batch.pk])[counted_batch.pk]
    counts = {
        name: getattr(m, name)
        for name in metrics.COUNT_FIELDS
        if name not in ("enterprises_active", "enterprises_visited", "visits")
    }
    assert counts == {
        "requests": 6,
        "closed": 3,
        "closed_on_time": 2,
        "assigned": 6,
        "assigned_responded": 4,
        "assigned_face_to_face": 3,
        "rated": 4,
        "satisfied": 3,
        "overdue": 1,
        "reopened": 0,
    }
    assert (m.closure_rate, m.on_time_rate) == (Decimal("50.00"), Decimal("66.67"))
    assert (m.face_to_face_rate, m.feedback_rate, m.satisfaction_rate) == (
        Decimal("50.00"),
        Decimal("66.67"),
        Decimal("75.00"),
    )


def test_the_metrics_command_gives_the_batch_figures(counted_batch):
    out = io.StringIO()
    call_command("metrics", "--batch", "7", "--year", "2026", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["label"], data["requests"], data["closed"], data["closure_rate"]) == (
        "交办〔2026〕第7批",
        6,
        3,
        "50.00",
    )
    assert (data["face_to_face_rate"], data["feedback_rate"], data["satisfaction_rate"]) == (
        "50.00",
        "66.67",
        "75.00",
    )
    table = io.StringIO()
    call_command("metrics", "--batch", "7", stdout=table)
    assert "问题见面率" in table.getvalue() and "（3 / 6）" in table.getvalue()


def test_the_batch_page_shows_its_closure_rate_and_the_ledger_exports(cast, login, counted_batch):
    client = login(cast.users["supervisor"])
    url = reverse("analytics:batch", args=[counted_batch.pk])
    page = client.get(url)
    assert page.context["m"].closure_rate == Decimal("50.00") and "3 / 6" in page.content.decode()
    response = client.get(url, {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    ledger = list(book["交办台账"].iter_rows(values_only=True))
    assert ledger[0][:3] == ("序号", "编号", "企业名称") and len(ledger) == 7
    summary = {row[1]: row[2] for row in book["批次指标"].iter_rows(min_row=2, values_only=True)}
    assert summary["办结率"] in (50, 50.0, "50.00")


def test_a_batch_outside_the_town_supervisors_towns_is_404(cast, login, counted_batch):
    url = reverse("analytics:batch", args=[counted_batch.pk])
    assert login(cast.users["other_town_supervisor"]).get(url).status_code == 404
    assert login(cast.users["town_supervisor"]).get(url).status_code == 200
    assert login(cast.users["lead"]).get(url).status_code == 403


def test_the_batch_list_shows_each_batchs_rates(cast, login, counted_batch):
    page = login(cast.users["supervisor"]).get(reverse("analytics:batches"))
    row = page.context["table"].rows[0]
    assert row.values["closure_rate"] == Decimal("50.00") and row.values["overdue"] == 1


def test_the_job_page_of_a_background_batch_links_to_the_batch(cast, login, rule):
    ticked = _submitted(cast, 2)
    job = jobs.start(
        DISPATCH_BATCH,
        actor=cast.users["supervisor"],
        title="批量交办",
        params={"request_ids": [r.pk for r in ticked], "note": "第49周"},
    )
    jobs.run(job.pk)
    page = login(cast.users["supervisor"]).get(reverse("job", args=[job.pk]))
    batch = Batch.objects.get()
    assert page.status_code == 200 and reverse("analytics:batch", args=[batch.pk]) in page.content.decode()
    assert login(cast.users["town_supervisor"]).get(reverse("job", args=[job.pk])).status_code == 404


def test_the_monthly_report_has_the_three_rates_by_town_unit_and_batch(cast, counted_batch):
    from analytics import reports

    today = timezone.localdate()
    day = today - dt.timedelta(days=1)  # the report's month runs through yesterday
    created = dt.datetime.combine(day, dt.time(1, 0), tzinfo=timezone.get_current_timezone())
    Batch.objects.filter(pk=counted_batch.pk).update(created_at=created)
    report = reports.monthly_report(day, None, today)
    headline = {row.data["metric"]: row.values["current"] for row in report.headline.rows}
    assert "face_to_face_rate" in headline and "feedback_rate" in headline and "satisfaction_rate" in headline
    assert [c.key for c in report.three.columns][2:] == [
        "face_to_face_rate",
        "feedback_rate",
        "satisfaction_rate",
    ]
    if counted_batch.created_at.month == (today - dt.timedelta(days=1)).month:
        row = next(r for r in report.batches.rows if r.data["batch"] == counted_batch.pk)
        assert row.values["face_to_face_rate"] == Decimal("50.00") and row.values["closure_rate"] == Decimal(
            "50.00"
        )


def test_the_batch_pages_query_counts_do_not_grow_with_rows(cast, login, rule):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.users["supervisor"])
    counts = []
    for size in (2, 12):
        batch = services.batch_assign(
            actor=cast.users["supervisor"], request_ids=[r.pk for r in _submitted(cast, size)], note="第49周"
        )
        for url in (reverse("analytics:batch", args=[batch.pk]), reverse("analytics:batches")):
            client.get(url)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts
