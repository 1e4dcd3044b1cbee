"""The trust pages: callback list (filter, export, query count), recording a callback, spot-check
audit page, appeals from the request page and their review. Anonymous → login, wrong role → 403,
out of scope → 404."""

from __future__ import annotations

import datetime as dt
import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from requests_tracker import services
from requests_tracker.models import Callback, RatingAppeal


def _unsatisfied(cast):
    return services.request_rate(
        actor=cast.users["contact"],
        request=cast.build_request("responded"),
        satisfaction="unsatisfied",
        comment="仍未解决。",
    )


def test_callback_list_needs_login_and_the_supervisor_role(cast, client, login):
    url = reverse("requests_tracker:callbacks")
    assert client.get(url).status_code == 302
    assert login(cast.users["lead"]).get(url).status_code == 403
    _unsatisfied(cast)
    page = login(cast.users["supervisor"]).get(url)
    assert page.status_code == 200 and page.context["page_obj"].paginator.count == 1


def test_other_town_supervisor_gets_404_for_a_callback_outside_the_town(cast, login):
    _unsatisfied(cast)
    callback = Callback.objects.get()
    client = login(cast.users["other_town_supervisor"])
    assert client.get(reverse("requests_tracker:callback", args=[callback.pk])).status_code == 404
    post = client.post(reverse("requests_tracker:callback_record", args=[callback.pk]), {"result": "reached"})
    assert post.status_code == 404 and Callback.objects.get().status == "pending"


def _record(cast, login, **data):
    _unsatisfied(cast)
    callback = Callback.objects.get()
    return login(cast.users["supervisor"]).post(
        reverse("requests_tracker:callback_record", args=[callback.pk]),
        {"version": callback.version, "result": "reached", **data},
    )


def test_recording_not_solved_without_a_note_shows_the_field_error(cast, login):
    response = _record(cast, login, verdict="not_solved", note="")
    assert response.status_code == 400
    assert "回访记录" in response.context["form"].errors["note"][0]
    assert Callback.objects.get().status == "pending"


def test_recording_solved_through_the_page(cast, login):
    response = _record(cast, login, verdict="solved", note="企业确认已落实。")
    assert response.status_code == 302
    assert Callback.objects.get().verdict == "solved"


def test_a_stale_callback_form_is_refused(cast, login):
    _unsatisfied(cast)
    callback = Callback.objects.get()
    client = login(cast.users["supervisor"])
    url = reverse("requests_tracker:callback_record", args=[callback.pk])
    client.post(url, {"version": callback.version, "result": "unreached"})
    client.post(url, {"version": callback.version, "result": "unreached"})
    assert Callback.objects.get().attempts == 1


def test_callback_list_filters_and_exports_the_same_rows(cast, login):
    _unsatisfied(cast)
    _unsatisfied(cast)
    Callback.objects.filter(pk=Callback.objects.order_by("pk").first().pk).update(
        status="done", result="unreached"
    )
    client = login(cast.users["supervisor"])
    url = reverse("requests_tracker:callbacks")
    assert client.get(url, {"status": "pending"}).context["page_obj"].paginator.count == 1
    export = client.get(url, {"status": "pending", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "诉求编号" and len(rows) == 2 and rows[1][7] == "待回访"


def test_callback_list_query_count_does_not_grow_with_rows(cast, login):
    client = login(cast.users["supervisor"])
    counts = []
    for _ in range(2):
        for _ in range(4):
            _unsatisfied(cast)
        client.get(reverse("requests_tracker:callbacks"))
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("requests_tracker:callbacks"))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_spotcheck_page_shows_the_seed_and_that_the_redraw_agrees(cast, login, freeze):
    freeze(dt.datetime(2026, 11, 23, 8, 0))
    cast.build_request("closed", last_rating="satisfied")
    draw, _ = services.spotcheck_draw(week_start=dt.date(2026, 11, 23), seed=424242)
    page = login(cast.users["supervisor"]).get(reverse("requests_tracker:spotchecks")).content.decode()
    assert "424242" in page and "重抽一致" in page
    assert login(cast.users["lead"]).get(reverse("requests_tracker:spotchecks")).status_code == 403


def test_lead_unit_appeals_from_the_request_page_and_supervisor_overturns(cast, login):
    request = _unsatisfied(cast)
    detail = (
        login(cast.users["lead"]).get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()
    )
    assert "提交申诉" in detail
    login(cast.users["lead"]).post(
        reverse("requests_tracker:appeal", args=[request.pk]),
        {"reason": "企业要求超出本局职能，已书面说明。"},
    )
    appeal = RatingAppeal.objects.get()
    page = (
        login(cast.users["lead"]).get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()
    )
    assert "提交申诉" not in page and "待复核" in page
    client = login(cast.users["supervisor"])
    client.post(
        reverse("requests_tracker:appeal_decide", args=[appeal.pk]), {"decision": "overturned", "note": ""}
    )
    assert RatingAppeal.objects.get().status == "pending"
    client.post(
        reverse("requests_tracker:appeal_decide", args=[appeal.pk]),
        {"decision": "overturned", "note": "属政策限制。"},
    )
    assert RatingAppeal.objects.get().status == "overturned"


def test_second_appeal_through_the_page_is_refused_with_a_message(cast, login):
    request = _unsatisfied(cast)
    client = login(cast.users["lead"])
    url = reverse("requests_tracker:appeal", args=[request.pk])
    client.post(url, {"reason": "企业要求超出本局职能，已书面说明。"})
    response = client.post(url, {"reason": "企业要求超出本局职能，再次申诉。"}, follow=True)
    assert "只能申诉一次" in response.content.decode() and RatingAppeal.objects.count() == 1


def test_appeal_on_an_out_of_scope_request_is_404(cast, login):
    request = _unsatisfied(cast)
    response = login(cast.users["spare"]).post(
        reverse("requests_tracker:appeal", args=[request.pk]),
        {"reason": "企业要求超出本局职能，已书面说明。"},
    )
    assert response.status_code == 404 and not RatingAppeal.objects.exists()


def test_appeal_list_query_count_does_not_grow_with_rows(cast, login):
    client = login(cast.users["supervisor"])
    counts = []
    for _ in range(2):
        for _ in range(3):
            services.appeal_submit(
                actor=cast.users["lead"],
                request=_unsatisfied(cast),
                reason="企业要求超出本局职能，已书面说明。",
            )
        client.get(reverse("requests_tracker:appeals"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("requests_tracker:appeals"))
        assert "复核" in response.content.decode()
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_false_closure_is_listed_on_the_supervision_board(cast, login, freeze):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    request = cast.build_request("responded", rating_due=dt.date(2026, 12, 1))
    freeze(dt.datetime(2026, 12, 3, 2, 0))
    services.auto_close_requests()
    services.callback_record(
        actor=cast.users["supervisor"],
        callback=Callback.objects.get(),
        result="reached",
        verdict="not_solved",
        note="企业称仍未解决。",
    )
    body = login(cast.users["supervisor"]).get(reverse("requests_tracker:notice_board")).content.decode()
    assert "2026 年不实办结" in body and request.ref in body
