"""Every request page: anonymous → login, wrong role → 403, out of scope → 404, permitted → 200,
and the list pages' query counts do not grow with the rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_tracker import services
from requests_tracker.models import Request, RequestAttachment, SupervisionNotice
from requests_tracker.views import rating_token
from tests import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# page → (roles that may open it, roles refused with 403)
PAGES = {
    "requests_tracker:portal": ({"contact"}, {"supervisor", "lead", "cadre", "admin"}),
    "requests_tracker:submit": ({"contact"}, {"supervisor", "lead", "cadre", "admin"}),
    "requests_tracker:staff_entry": ({"supervisor"}, {"lead", "contact", "cadre", "admin"}),
    "requests_tracker:triage": ({"supervisor", "town_supervisor"}, {"lead", "contact", "cadre", "admin"}),
    "requests_tracker:inbox": ({"lead", "assist"}, {"supervisor", "contact", "cadre", "admin"}),
    "requests_tracker:notices": ({"supervisor", "lead", "admin"}, {"contact", "cadre"}),
    "requests_tracker:notice_board": ({"supervisor", "lead", "admin", "cadre"}, {"contact"}),
    "requests_tracker:calendar": ({"admin"}, {"supervisor", "lead", "contact", "cadre"}),
    "requests_tracker:list": ({"supervisor", "lead", "admin", "cadre", "contact"}, set()),
}


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_anonymous_is_sent_to_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("url_name", sorted(PAGES))
def test_pages_answer_by_role(cast, login, url_name):
    allowed, refused = PAGES[url_name]
    for persona in allowed:
        assert login(cast.users[persona]).get(reverse(url_name)).status_code == 200, persona
    for persona in refused:
        assert login(cast.users[persona]).get(reverse(url_name)).status_code == 403, persona


def test_outsider_without_role_is_refused_everywhere(cast, login):
    outsider = f.UserFactory(username="t_outsider")
    for url_name in PAGES:
        assert login(outsider).get(reverse(url_name)).status_code == 403


# --- one request -------------------------------------------------------------------------
OBJECT_PAGES = ["requests_tracker:detail", "requests_tracker:rating_link"]


@pytest.fixture
def other_enterprise_request(cast):
    other = f.EnterpriseFactory(town=f.TownFactory(name="大云镇"), name="大云新材料有限公司")
    return f.RequestFactory(
        enterprise=other, category=cast.category, status="responded", lead_unit=cast.spare_unit
    )


@pytest.mark.parametrize("url_name", OBJECT_PAGES)
def test_object_pages_anonymous_is_sent_to_login(client, cast, url_name):
    request = cast.build_request("responded")
    response = client.get(reverse(url_name, args=[request.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("persona", ["lead", "contact", "cadre", "other_town_supervisor", "assist"])
def test_request_outside_scope_is_404(cast, login, other_enterprise_request, persona):
    for url_name in OBJECT_PAGES:
        response = login(cast.users[persona]).get(reverse(url_name, args=[other_enterprise_request.pk]))
        # A contact may never open the QR page at all (403 before any lookup); the rest is 404.
        expected = 403 if (persona, url_name) == ("contact", "requests_tracker:rating_link") else 404
        assert response.status_code == expected, (persona, url_name)


def test_rating_link_page_is_staff_only(cast, login):
    request = cast.build_request("responded")
    assert (
        login(cast.users["contact"])
        .get(reverse("requests_tracker:rating_link", args=[request.pk]))
        .status_code
        == 403
    )
    body = (
        login(cast.users["lead"])
        .get(reverse("requests_tracker:rating_link", args=[request.pk]))
        .content.decode()
    )
    assert "<svg" in body and "/requests/rate/" in body


def test_contact_sees_public_history_and_the_response_deadline_only(cast, login):
    request = cast.build_request("in_progress")
    services.request_note(
        actor=cast.users["lead"], request=request, text="内部：需协调用工指标", public=False
    )
    services.request_note(
        actor=cast.users["lead"],
        request=Request.objects.get(pk=request.pk),
        text="已联系三家劳务公司",
        public=True,
    )
    body = (
        login(cast.users["contact"])
        .get(reverse("requests_tracker:detail", args=[request.pk]))
        .content.decode()
    )
    assert "已联系三家劳务公司" in body and "需协调用工指标" not in body
    assert "答复期限" in body and "签收期限" not in body and "办理操作" not in body


def test_staff_see_how_each_deadline_was_counted(cast, login, freeze):
    freeze(dt.datetime(2026, 9, 30, 10, 0))
    request = cast.build_request("submitted")
    services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.lead_unit)
    body = (
        login(cast.users["lead"]).get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()
    )
    assert "2026-10-20" in body and "自 2026-09-30 起 10 个工作日" in body
    assert "2026-10-01（周四）国庆节" in body and "2026-10-10（周六）调休上班（国庆节）" in body


def test_estimated_deadline_is_marked_on_screen(cast, login, freeze):
    freeze(dt.datetime(2026, 12, 28, 10, 0))
    request = cast.build_request("submitted")
    services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.lead_unit)
    body = (
        login(cast.users["contact"])
        .get(reverse("requests_tracker:detail", args=[request.pk]))
        .content.decode()
    )
    assert "估算" in body and "2027 年的国务院放假安排尚未录入" in body


def test_admin_pages_warn_about_an_uncovered_year(cast, login, freeze):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    body = login(cast.users["admin"]).get(reverse("requests_tracker:list")).content.decode()
    assert "2027 年的法定节假日安排尚未录入" in body
    assert (
        "尚未录入"
        not in login(cast.users["supervisor"]).get(reverse("requests_tracker:list")).content.decode()
    )


def test_the_warning_is_cached_and_goes_once_the_year_is_entered(cast, login, freeze):
    from requests_tracker.models import WorkdayOverride

    freeze(dt.datetime(2026, 11, 20, 10, 0))
    client = login(cast.users["admin"])
    url = reverse("requests_tracker:list")
    assert "2027 年的法定节假日安排尚未录入" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        assert "2027 年的法定节假日安排尚未录入" in client.get(url).content.decode()
    assert not [q for q in queries if "workdayoverride" in q["sql"]]  # read from the cache
    WorkdayOverride.objects.create(
        date=dt.date(2027, 1, 1), is_workday=False, name="元旦", source=WorkdayOverride.Source.STATE_COUNCIL
    )
    assert "2027 年的法定节假日安排尚未录入" not in client.get(url).content.decode()


def test_calendar_page_shows_coverage_per_year(cast, login, freeze):
    freeze(dt.datetime(2026, 11, 20, 10, 0))
    body = login(cast.users["admin"]).get(reverse("requests_tracker:calendar")).content.decode()
    assert "官方日历库" in body and "未覆盖（按周末和法定节假日估算）" in body


# --- actions -----------------------------------------------------------------------------
def _post(client, request, action, **data):
    data.setdefault("version", Request.objects.get(pk=request.pk).version)
    return client.post(reverse("requests_tracker:action", args=[request.pk, action]), data)


def test_handler_signs_through_the_page(cast, login):
    request = cast.build_request("assigned")
    response = _post(login(cast.users["lead"]), request, "sign")
    assert response.status_code == 302 and response.url == reverse(
        "requests_tracker:detail", args=[request.pk]
    )
    assert Request.objects.get(pk=request.pk).status == "in_progress"


def test_action_needs_login_and_post(client, cast, login):
    request = cast.build_request("assigned")
    response = _post(client, request, "sign")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    url = reverse("requests_tracker:action", args=[request.pk, "sign"])
    assert login(cast.users["lead"]).get(url).status_code == 405


def test_action_by_a_party_that_may_not_take_it_is_403(cast, login):
    request = cast.build_request("submitted")
    assert (
        _post(login(cast.users["contact"]), request, "assign", lead_unit=cast.lead_unit.pk).status_code == 403
    )
    assert _post(login(cast.users["cadre"]), request, "note", text="x").status_code == 403
    assert Request.objects.get(pk=request.pk).status == "submitted"


def test_action_on_a_request_out_of_scope_is_404(cast, login, other_enterprise_request):
    assert _post(login(cast.users["lead"]), other_enterprise_request, "sign").status_code == 404
    assert (
        _post(
            login(cast.users["contact"]), other_enterprise_request, "rate", satisfaction="satisfied"
        ).status_code
        == 404
    )


def test_unknown_action_is_404(cast, login):
    request = cast.build_request("assigned")
    assert _post(login(cast.users["lead"]), request, "delete").status_code == 404


def test_stale_page_is_told_the_request_changed(cast, login):
    request = cast.build_request("assigned")
    version = request.version
    services.request_sign(actor=cast.users["lead"], request=request)
    client = login(cast.users["lead"])
    response = _post(client, request, "return", reason="wrong_town", version=version)
    assert response.status_code == 302
    assert "刚刚已被其他人处理" in str(list(get_messages(response.wsgi_request))[0])
    assert Request.objects.get(pk=request.pk).status == "in_progress"


def test_invalid_form_shows_the_field_error_and_changes_nothing(cast, login):
    request = cast.build_request("in_progress")
    response = _post(
        login(cast.users["lead"]), request, "respond", outcome="partly", response="我们会尽快协调解决此事。"
    )
    assert response.status_code == 400 and "明确时间" in response.content.decode()
    assert Request.objects.get(pk=request.pk).status == "in_progress"


def test_returning_sends_the_handler_back_to_the_inbox(cast, login):
    request = cast.build_request("assigned")
    response = _post(login(cast.users["lead"]), request, "return", reason="wrong_function", note="")
    assert response.status_code == 302 and response.url == reverse("requests_tracker:inbox")


def test_supervisor_assigns_with_assisting_units(cast, login):
    request = cast.build_request("submitted")
    response = _post(
        login(cast.users["supervisor"]),
        request,
        "assign",
        category=cast.category.pk,
        lead_unit=cast.lead_unit.pk,
        assist_units=[cast.assist_unit.pk],
        note="",
    )
    request = Request.objects.get(pk=request.pk)
    assert response.status_code == 302 and request.status == "assigned"
    assert list(request.assists.values_list("unit", flat=True)) == [cast.assist_unit.pk]


def test_lead_unit_cannot_also_assist(cast, login):
    request = cast.build_request("submitted")
    response = _post(
        login(cast.users["supervisor"]),
        request,
        "assign",
        category=cast.category.pk,
        lead_unit=cast.lead_unit.pk,
        assist_units=[cast.lead_unit.pk],
    )
    assert response.status_code == 400 and "牵头单位不能同时作为协办单位" in response.content.decode()


def test_reject_as_duplicate_by_reference(cast, login):
    original = cast.build_request("in_progress")
    request = cast.build_request("submitted")
    client = login(cast.users["supervisor"])
    response = _post(client, request, "reject", kind="duplicate", duplicate_of="QQ-NOPE", reason="重复。")
    assert response.status_code == 400 and "找不到编号" in response.content.decode()
    _post(client, request, "reject", kind="duplicate", duplicate_of=original.ref.lower(), reason="重复。")
    assert Request.objects.get(pk=request.pk).duplicate_of == original
    # The page names the original by its reference (read with the request, not a second row).
    body = client.get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()
    link = f'href="{reverse("requests_tracker:detail", args=[original.pk])}">{original.ref}</a>'
    assert "原诉求：" in body and link in body


def test_page_offers_only_the_actions_the_user_may_take(cast, login):
    request = cast.build_request("in_progress")
    lead_body = (
        login(cast.users["lead"]).get(reverse("requests_tracker:detail", args=[request.pk])).content.decode()
    )
    sup_body = (
        login(cast.users["supervisor"])
        .get(reverse("requests_tracker:detail", args=[request.pk]))
        .content.decode()
    )
    assert 'id="qq-form-respond"' in lead_body and 'id="qq-form-escalate"' not in lead_body
    assert 'id="qq-form-escalate"' in sup_body and 'id="qq-form-respond"' not in sup_body


# --- the portal --------------------------------------------------------------------------
def test_contact_lands_on_the_portal(cast, login):
    response = login(cast.users["contact"]).get(reverse("home"))
    assert response.url == reverse("requests_tracker:portal")


def test_contact_submits_with_an_attachment(cast, login):
    client = login(cast.users["contact"])
    upload = SimpleUploadedFile("用工需求表.pdf", PDF, content_type="application/pdf")
    response = client.post(
        reverse("requests_tracker:submit"),
        {
            "category": cast.category.pk,
            "description": "春节后普工缺口 30 人。",
            "contact_name": "王芳",
            "contact_phone": "13900000000",
            "attachments": [upload],
        },
    )
    request = Request.objects.get(description="春节后普工缺口 30 人。")
    assert response.status_code == 302 and response.url == reverse(
        "requests_tracker:detail", args=[request.pk]
    )
    assert (request.enterprise, request.source, request.status) == (cast.enterprise, "online", "submitted")
    attachment = RequestAttachment.objects.get(request=request)
    served = client.get(reverse("requests_tracker:attachment", args=[request.pk, attachment.pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content) == PDF
    assert served["Content-Type"] == "application/pdf"


def test_a_disguised_file_is_refused_on_the_form(cast, login):
    upload = SimpleUploadedFile("合同.pdf", b"<html><script>alert(1)</script></html>")
    response = login(cast.users["contact"]).post(
        reverse("requests_tracker:submit"),
        {
            "category": cast.category.pk,
            "description": "附件伪装：厂房扩建审批材料。",
            "attachments": [upload],
        },
    )
    assert response.status_code == 200 and "不是 PDF 或图片" in response.content.decode()
    assert not Request.objects.filter(description="附件伪装：厂房扩建审批材料。").exists()


def test_attachment_is_404_outside_scope(cast, login):
    request = services.request_submit(
        actor=cast.users["contact"],
        enterprise=cast.enterprise,
        category=cast.category,
        description="附件范围：厂房扩建审批材料。",
        source="online",
        attachments=[SimpleUploadedFile("a.pdf", PDF)],
    )
    attachment = request.attachments.get()
    url = reverse("requests_tracker:attachment", args=[request.pk, attachment.pk])
    assert login(cast.users["spare"]).get(url).status_code == 404
    assert login(cast.users["supervisor"]).get(url).status_code == 200
    other = cast.build_request("submitted")
    wrong = reverse("requests_tracker:attachment", args=[other.pk, attachment.pk])
    assert login(cast.users["supervisor"]).get(wrong).status_code == 404


def test_staff_enter_a_hotline_request_by_enterprise_name(cast, login):
    client = login(cast.users["supervisor"])
    data = {
        "source": "hotline",
        "enterprise": "西塘精密机械有限公司",
        "category": cast.category.pk,
        "description": "热线来电：电力增容申请进度。",
        "contact_name": "李强",
        "contact_phone": "",
    }
    response = client.post(reverse("requests_tracker:staff_entry"), data)
    request = Request.objects.get(description=data["description"])
    assert response.status_code == 302 and (request.source, request.submitted_by) == (
        "hotline",
        cast.users["supervisor"],
    )
    response = client.post(reverse("requests_tracker:staff_entry"), {**data, "enterprise": "不存在的公司"})
    assert response.status_code == 200 and "找不到企业" in response.content.decode()


def test_town_supervisor_cannot_enter_for_another_towns_enterprise(cast, login):
    client = login(cast.users["other_town_supervisor"])
    response = client.post(
        reverse("requests_tracker:staff_entry"),
        {
            "source": "meeting",
            "enterprise": cast.enterprise.uscc,
            "category": cast.category.pk,
            "description": "座谈会反映：园区道路破损需修补。",
            "contact_name": "李强",
        },
    )
    assert (
        response.status_code == 200
        and not Request.objects.filter(description="座谈会反映：园区道路破损需修补。").exists()
    )


# --- rating without a login --------------------------------------------------------------
def test_signed_link_rates_once(client, cast):
    request = cast.build_request("responded")
    url = reverse("requests_tracker:rate_by_link", args=[rating_token(request)])
    page = client.get(url)
    assert page.status_code == 200 and "已协调人社部门" in page.content.decode()
    response = client.post(url, {"satisfaction": "satisfied", "comment": "", "version": request.version})
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    request = Request.objects.get(pk=request.pk)
    assert request.satisfaction == "satisfied" and request.events.get(action="rate").actor is None
    again = client.post(url, {"satisfaction": "unsatisfied", "comment": "改主意", "version": request.version})
    assert again.status_code == 410 and Request.objects.get(pk=request.pk).satisfaction == "satisfied"


def test_signed_link_expires(client, cast, settings):
    request = cast.build_request("responded")
    token = rating_token(request)
    settings.QIQING_RATING_LINK_DAYS = -1
    response = client.get(reverse("requests_tracker:rate_by_link", args=[token]))
    assert response.status_code == 410 and "已过期" in response.content.decode()


def test_tampered_link_is_refused(client, cast):
    request = cast.build_request("responded")
    token = rating_token(request)
    response = client.get(reverse("requests_tracker:rate_by_link", args=[token[:-2] + "xx"]))
    assert response.status_code == 410 and "无效" in response.content.decode()


def test_link_for_an_earlier_response_dies_with_a_new_one(client, cast):
    request = cast.build_request("responded")
    old = rating_token(request)
    services.request_rate(
        actor=cast.users["contact"], request=request, satisfaction="unsatisfied", comment="未解决"
    )
    request = Request.objects.get(pk=request.pk)
    services.request_sign(actor=cast.users["lead"], request=request)
    services.request_respond(
        actor=cast.users["lead"],
        request=Request.objects.get(pk=request.pk),
        outcome="solved",
        response="已于11月30日完成招聘。",
    )
    response = client.get(reverse("requests_tracker:rate_by_link", args=[old]))
    assert response.status_code == 410 and "已更新" in response.content.decode()


# --- query counts ------------------------------------------------------------------------
def _fill(cast, size: int, states: tuple[str, ...]):
    for _ in range(size):
        for state in states:
            if state == "notice":
                request = cast.build_request("in_progress", is_overdue=True)
                number = SupervisionNotice.objects.count() + 1
                SupervisionNotice.objects.create(
                    request=request,
                    unit=cast.lead_unit,
                    town=cast.town,
                    level="red",
                    year=timezone.localdate().year,
                    number=number,
                    due=request.response_due,
                    days_overdue=5,
                )
            else:
                cast.build_request(state, pending_extension=state == "in_progress")


LISTS = [
    # The triage desk also lists extension requests, escalations and close-outs: grow them all.
    ("requests_tracker:triage", "supervisor", ("submitted", "in_progress", "escalated", "responded_rated")),
    ("requests_tracker:inbox", "lead", ("in_progress", "assigned", "responded")),
    ("requests_tracker:portal", "contact", ("responded", "submitted")),
    ("requests_tracker:list", "supervisor", ("in_progress",)),
    ("requests_tracker:notices", "lead", ("notice",)),
    ("requests_tracker:notice_board", "supervisor", ("notice",)),
]


@pytest.mark.parametrize("url_name,persona,states", LISTS)
def test_list_query_count_does_not_grow_with_rows(cast, login, url_name, persona, states):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.users[persona])
    counts = []
    for added in (2, 10):
        _fill(cast, added, states)
        client.get(reverse(url_name))  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse(url_name))
        assert response.status_code == 200 and response.context["page_obj"].paginator.count >= added
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_inbox_puts_overdue_first_and_answered_last(cast, login):
    answered = cast.build_request("responded")
    later = cast.build_request("in_progress")
    overdue = cast.build_request("in_progress", response_due=dt.date(2026, 1, 5), is_overdue=True)
    assisting = cast.build_request("in_progress", lead_unit=cast.spare_unit)
    page = login(cast.users["lead"]).get(reverse("requests_tracker:inbox")).context["page_obj"]
    assert [obj.pk for obj in page] == [overdue.pk, later.pk, answered.pk]
    assist_page = login(cast.users["assist"]).get(reverse("requests_tracker:inbox")).context["page_obj"]
    row = next(obj for obj in assist_page if obj.pk == assisting.pk)
    assert (row.is_lead, row.assist_open, row.assist_due) == (False, True, assisting.contact_due)
