"""What each lifecycle service does beyond the state change: clocks, side rows, notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from qiqing.models import Notification
from requests_tracker import services
from requests_tracker.models import ExtensionRequest, Request, RequestAssist, RequestAttachment, RequestEvent

pytestmark = pytest.mark.django_db

D = dt.date
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _fresh(request):
    return Request.objects.get(pk=request.pk)


def test_assigning_before_national_day_counts_working_days(cast, freeze):
    freeze(dt.datetime(2026, 9, 30, 10, 0))
    request = cast.build_request("submitted")
    services.request_assign(
        actor=cast.users["supervisor"],
        request=request,
        lead_unit=cast.lead_unit,
        assist_units=[cast.assist_unit],
    )
    request = _fresh(request)
    assert (request.sign_due, request.contact_due, request.response_due) == (
        D(2026, 10, 8),
        D(2026, 10, 10),
        D(2026, 10, 20),
    )
    assert not request.deadline_estimated
    assert RequestAssist.objects.get(request=request).due == D(2026, 10, 10)


def test_assignment_notifies_lead_and_assisting_handlers(cast):
    request = cast.build_request("submitted")
    services.request_assign(
        actor=cast.users["supervisor"],
        request=request,
        lead_unit=cast.lead_unit,
        assist_units=[cast.assist_unit],
    )
    notified = set(Notification.objects.filter(kind="assigned").values_list("recipient__username", flat=True))
    assert notified == {"t_lead", "t_assist"}


def test_category_time_limit_sets_the_response_deadline(cast, freeze):
    freeze(dt.datetime(2026, 11, 2, 9, 0))  # Monday
    cast.category.time_limit_days = 5
    cast.category.save()
    request = cast.build_request("submitted")
    services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.lead_unit)
    assert _fresh(request).response_due == D(2026, 11, 9)


def test_deadline_into_2027_is_estimated_until_admins_enter_the_schedule(
    cast, freeze, login, django_capture_on_commit_callbacks
):
    freeze(dt.datetime(2026, 12, 28, 9, 0))  # Monday
    request = cast.build_request("submitted")
    services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.lead_unit)
    request = _fresh(request)
    # 10 working days from Monday 28 Dec 2026: 元旦 (Friday 1 Jan 2027) is off by the estimate.
    assert (request.response_due, request.deadline_estimated) == (D(2027, 1, 12), True)
    client = login(cast.users["admin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:requests_tracker_workdayoverride_add"),
            {"date": "2027-01-01", "is_workday": "", "name": "元旦", "source": "state_council", "note": ""},
        )
    assert response.status_code == 302
    moved = _fresh(request)
    assert (moved.response_due, moved.deadline_estimated) == (D(2027, 1, 12), False)
    assert moved.events.filter(action="deadline").count() == 1 and moved.version == request.version + 1


def test_return_goes_back_to_triage_and_third_return_is_flagged(cast):
    request = cast.build_request("assigned", return_count=2)
    services.request_return(
        actor=cast.users["lead"], request=request, reason="wrong_town", note="属地为姚庄镇。"
    )
    request = _fresh(request)
    assert (request.status, request.lead_unit, request.response_due, request.return_count) == (
        "submitted",
        None,
        None,
        3,
    )
    assert request.return_flagged and not RequestAssist.objects.filter(request=request).exists()
    assert Notification.objects.filter(kind="returned", recipient=cast.users["supervisor"]).exists()


def test_flagged_request_needs_a_decision_note_to_be_assigned_again(cast):
    request = cast.build_request("submitted", return_count=3)
    with pytest.raises(ValidationError) as info:
        services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.spare_unit)
    assert "note" in info.value.message_dict and _fresh(request).status == "submitted"
    services.request_assign(
        actor=cast.users["supervisor"],
        request=request,
        lead_unit=cast.spare_unit,
        note="经研判由经信局主办。",
    )
    assert _fresh(request).lead_unit == cast.spare_unit


def test_return_reason_other_needs_an_explanation(cast):
    request = cast.build_request("assigned")
    with pytest.raises(ValidationError) as info:
        services.request_return(actor=cast.users["lead"], request=request, reason="other")
    assert "note" in info.value.message_dict


def test_only_an_approved_extension_moves_the_deadline(cast, freeze):
    freeze(dt.datetime(2026, 11, 2, 9, 0))
    request = cast.build_request("in_progress")
    due = request.response_due
    services.request_extend_ask(
        actor=cast.users["lead"], request=request, proposed_due=D(2026, 12, 4), reason="需等待省厅批复。"
    )
    assert _fresh(request).response_due == due
    services.request_extend_decide(
        actor=cast.users["supervisor"], request=_fresh(request), approve=False, note="时限可满足。"
    )
    assert _fresh(request).response_due == due
    services.request_extend_ask(
        actor=cast.users["lead"],
        request=_fresh(request),
        proposed_due=D(2026, 12, 4),
        reason="省厅批复仍未下达。",
    )
    services.request_extend_decide(actor=cast.users["supervisor"], request=_fresh(request), approve=True)
    request = _fresh(request)
    assert (request.response_due, request.response_days) == (D(2026, 12, 4), None)
    assert list(request.extensions.values_list("status", flat=True)) == ["approved", "refused"]


def test_extension_to_a_holiday_or_an_earlier_date_is_refused(cast, freeze):
    freeze(dt.datetime(2026, 9, 14, 9, 0))  # due Monday 28 Sep
    request = cast.build_request("in_progress")
    with pytest.raises(ValidationError, match="非工作日（国庆节）"):
        services.request_extend_ask(
            actor=cast.users["lead"], request=request, proposed_due=D(2026, 10, 3), reason="国庆前无法完成。"
        )
    with pytest.raises(ValidationError, match="必须晚于"):
        services.request_extend_ask(
            actor=cast.users["lead"], request=request, proposed_due=request.response_due, reason="x"
        )
    assert not ExtensionRequest.objects.exists()


def test_refusing_an_extension_needs_a_reason(cast):
    request = cast.build_request("in_progress", pending_extension=True)
    with pytest.raises(ValidationError):
        services.request_extend_decide(actor=cast.users["supervisor"], request=request, approve=False)
    assert ExtensionRequest.objects.get().status == "pending"


@pytest.mark.parametrize(
    "reply",
    ["我们将尽快协调解决。", "已转有关科室，近期给予答复。", "正抓紧对接招聘平台，争取早日解决。"],
)
def test_a_promise_without_a_date_is_refused(cast, reply):
    request = cast.build_request("in_progress")
    with pytest.raises(ValidationError) as info:
        services.request_respond(actor=cast.users["lead"], request=request, outcome="partly", response=reply)
    assert "明确时间" in info.value.message_dict["response"][0]
    assert _fresh(request).status == "in_progress"


@pytest.mark.parametrize(
    "reply",
    [
        "将尽快于2026年12月15日前完成线路改造。",
        "已协调供电公司，10个工作日内完成增容。",
        "春节前（1月底）无法完成，将于2月下旬完成。",
    ],
)
def test_a_promise_with_a_date_is_accepted(cast, reply):
    request = cast.build_request("in_progress")
    services.request_respond(actor=cast.users["lead"], request=request, outcome="partly", response=reply)
    assert _fresh(request).status == "responded"


def test_response_notifies_the_contact_and_withdraws_a_pending_extension(cast):
    request = cast.build_request("in_progress", pending_extension=True)
    services.request_respond(
        actor=cast.users["lead"],
        request=request,
        outcome="solved",
        response="已组织专场招聘会，企业招到 20 人。",
    )
    assert Notification.objects.filter(kind="responded", recipient=cast.users["contact"]).exists()
    assert ExtensionRequest.objects.get().status == "withdrawn"
    assert _fresh(request).rating_due is not None


def test_unsatisfied_rating_reopens_to_the_same_unit_with_a_new_deadline(cast, freeze):
    freeze(dt.datetime(2026, 11, 16, 9, 0))  # Monday
    request = cast.build_request("responded")
    services.request_rate(
        actor=cast.users["contact"], request=request, satisfaction="unsatisfied", comment="仍缺普工 10 人。"
    )
    request = _fresh(request)
    assert (request.status, request.lead_unit, request.reopen_count) == ("reopened", cast.lead_unit, 1)
    assert (request.sign_due, request.response_due) == (D(2026, 11, 17), D(2026, 11, 30))
    assert request.satisfaction == "" and request.outcome == ""
    # The verdict itself is kept: the satisfaction rate counts it until the enterprise rates again.
    assert (request.last_rating, request.last_rated_at is not None) == ("unsatisfied", True)
    event = request.events.get(action="rate")
    assert (event.from_status, event.to_status, event.public) == ("responded", "reopened", True)
    assert Notification.objects.filter(kind="reopened", recipient=cast.users["lead"]).exists()


def test_unsatisfied_rating_needs_a_reason(cast):
    request = cast.build_request("responded")
    with pytest.raises(ValidationError):
        services.request_rate(actor=cast.users["contact"], request=request, satisfaction="unsatisfied")
    assert _fresh(request).status == "responded"


def test_satisfied_rating_waits_for_the_supervisor_to_close(cast):
    request = cast.build_request("responded")
    services.request_rate(actor=cast.users["contact"], request=request, satisfaction="basic")
    assert _fresh(request).awaiting_close
    services.request_close(actor=cast.users["supervisor"], request=_fresh(request))
    request = _fresh(request)
    assert request.status == "closed" and request.closed_at is not None


def test_a_stale_form_is_refused_and_told_the_new_state(cast):
    request = cast.build_request("assigned")
    services.request_sign(actor=cast.users["lead"], request=request, version=request.version)
    with pytest.raises(services.StaleRequest, match="办理中"):
        services.request_return(
            actor=cast.users["lead"], request=request, reason="wrong_town", version=request.version
        )
    assert _fresh(request).status == "in_progress"


def test_reject_as_duplicate_links_the_original(cast):
    original = cast.build_request("in_progress")
    request = cast.build_request("submitted")
    with pytest.raises(ValidationError):
        services.request_reject(
            actor=cast.users["supervisor"], request=request, kind="duplicate", reason="重复。"
        )
    services.request_reject(
        actor=cast.users["supervisor"],
        request=request,
        kind="duplicate",
        reason="已在办理。",
        duplicate_of=original,
    )
    request = _fresh(request)
    assert (request.status, request.duplicate_of, request.reject_kind) == ("rejected", original, "duplicate")


def test_first_contact_stops_the_contact_clock_once(cast):
    request = cast.build_request("in_progress", contact_overdue=True)
    services.request_contact(
        actor=cast.users["lead"], request=request, method="phone", note="电话了解用工缺口。"
    )
    first = _fresh(request).contacted_at
    services.request_contact(
        actor=cast.users["lead"], request=_fresh(request), method="onsite", note="上门核实。"
    )
    request = _fresh(request)
    assert request.contacted_at == first and not request.contact_overdue
    assert request.events.filter(action="contact").count() == 2


def test_assisting_unit_answers_once(cast):
    request = cast.build_request("in_progress")
    services.request_assist_answer(actor=cast.users["assist"], request=request, answer="可提供学位 3 个。")
    assert RequestAssist.objects.get(request=request).answered_at is not None
    with pytest.raises(services.TransitionRefused, match="已提交协办意见"):
        services.request_assist_answer(
            actor=cast.users["assist"], request=_fresh(request), answer="再次反馈。"
        )
    assert Notification.objects.filter(kind="assist_answered", recipient=cast.users["lead"]).count() == 1


def test_escalation_is_tracked_until_answered(cast):
    request = cast.build_request("in_progress")
    escalation = services.request_escalate(
        actor=cast.users["supervisor"], request=request, level="city", reason="涉及市级审批权限。"
    )
    assert _fresh(request).status == "escalated" and escalation.answered_at is None
    services.request_escalate_reply(
        actor=cast.users["supervisor"], request=_fresh(request), answer="市局同意下放。"
    )
    escalation.refresh_from_db()
    assert escalation.answered_at is not None and _fresh(request).status == "in_progress"


def test_submission_stores_checked_attachments_under_generated_names(cast):
    upload = SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")
    request = services.request_submit(
        actor=cast.users["contact"],
        enterprise=cast.enterprise,
        category=cast.category,
        description="厂房扩建审批进度咨询。",
        source="online",
        attachments=[upload],
    )
    attachment = RequestAttachment.objects.get(request=request)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "营业执照.pdf",
        "application/pdf",
        len(PDF),
    )
    assert "营业执照" not in attachment.file.name and attachment.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("发票.pdf", b"MZ\x90\x00 not a pdf", "不是 PDF 或图片"),
        ("照片.pdf", PNG, "扩展名与文件内容不符"),
        ("空.png", b"", "空文件"),
    ],
)
def test_attachments_are_checked_by_content(cast, name, content, message):
    upload = SimpleUploadedFile(name, content)
    with pytest.raises(ValidationError, match=message):
        services.request_submit(
            actor=cast.users["contact"],
            enterprise=cast.enterprise,
            category=cast.category,
            description="附件测试：厂房扩建审批材料。",
            source="online",
            attachments=[upload],
        )
    assert not Request.objects.filter(description="附件测试：厂房扩建审批材料。").exists()


def test_attachment_over_the_size_limit_is_refused(cast, settings):
    settings.QIQING_UPLOAD_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("大文件.pdf", PDF + b"0" * (1024 * 1024))
    with pytest.raises(ValidationError, match="超过上限 1 MB"):
        services.request_submit(
            actor=cast.users["contact"],
            enterprise=cast.enterprise,
            category=cast.category,
            description="附件过大：厂房扩建审批材料。",
            source="online",
            attachments=[upload],
        )
    assert not RequestAttachment.objects.exists()


def test_every_transition_event_is_written_with_the_change(cast):
    request = cast.build_request("submitted")
    services.request_assign(actor=cast.users["supervisor"], request=request, lead_unit=cast.lead_unit)
    event = RequestEvent.objects.get(request=request, action="assign")
    assert (event.actor, event.from_status, event.to_status) == (
        cast.users["supervisor"],
        "submitted",
        "assigned",
    )
    assert "答复期限" in event.note and event.public
