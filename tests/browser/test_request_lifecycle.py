"""One request's whole journey in the browser, switching between the enterprise contact, the
supervisor and two departments' handlers: submission, triage, a mis-routed assignment returned and
reassigned, sign-for, contact, an extension, a refused vague reply, a response, an unsatisfied
rating and reopening, a second response, a satisfied rating and close-out."""

from __future__ import annotations

import pytest

from requests_tracker.models import Request
from requests_tracker.workdays import WorkCalendar
from tests import factories as f
from tests.browser.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "春节后普工缺口 30 人，希望协助对接劳务输出地。"


def _as(page, live_server, username):
    page.context.clear_cookies()
    log_in(page, live_server, username)


def _open(page, live_server, request):
    page.goto(f"{live_server.url}/requests/{request.pk}/")


def _click_ref(page, request):
    page.click(f"text={request.ref}")
    page.wait_for_url(f"**/requests/{request.pk}/")
    page.wait_for_load_state("load")


def _act(page, action, *, fill=None, select=None, check=None, confirm=False):
    """Open the action's panel if it is folded, fill it in and submit it."""
    page.wait_for_load_state("load")  # Bootstrap's collapse handlers are attached
    form = page.locator(f"#qq-form-{action}")
    if not form.is_visible():
        page.click(f"button[data-action={action}]")
        # Wait until the panel has finished unfolding, not just started.
        page.wait_for_selector(f"#qq-action-{action}.collapse.show")
        form.wait_for(state="visible")
    for name, value in (fill or {}).items():
        form.locator(f"[name={name}]").fill(value)
    for name, label in (select or {}).items():
        form.locator(f"select[name={name}]").select_option(label=label)
    for name, value in (check or {}).items():
        form.locator(f"input[name={name}][value={value}]").check()
    if confirm:
        page.once("dialog", lambda dialog: dialog.accept())
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def _status(page) -> str:
    return page.locator("h1 .badge").first.inner_text()


def test_request_travels_from_submission_to_close_out(page, live_server, world, external_requests):
    edu_handler = f.StaffRoleFactory(user__username="p_edu_handler", role="handler", unit=world.unit_edu).user
    assert edu_handler.pk

    # The enterprise contact lands on the portal and submits a request.
    log_in(page, live_server, "p_contact")
    assert page.url.endswith("/requests/portal/")
    page.click("text=提交诉求")
    page.select_option("select[name=category]", label="招工用工")
    page.fill("textarea[name=description]", DESCRIPTION)
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_load_state("networkidle")
    request = Request.objects.get(description=DESCRIPTION)
    assert _status(page) == "待受理" and request.ref in page.locator("h1").inner_text()

    # The supervisor finds it in the triage queue and assigns it — to the wrong unit.
    _as(page, live_server, "p_supervisor")
    page.goto(f"{live_server.url}/requests/triage/")
    _click_ref(page, request)
    _act(page, "assign", select={"lead_unit": "教育局"})
    assert _status(page) == "已交办"
    assert page.get_by_text("签收期限").first.is_visible()

    # The education bureau returns it: not theirs.
    _as(page, live_server, "p_edu_handler")
    assert page.url.endswith("/requests/inbox/")
    _click_ref(page, request)
    _act(
        page,
        "return",
        select={"reason": "职能不符"},
        fill={"note": "招工事项应由人力社保局主办。"},
        confirm=True,
    )
    assert page.url.endswith("/requests/inbox/") and page.get_by_text("已退回服务企业办").is_visible()

    # Back in triage; reassigned to the human-resources bureau.
    _as(page, live_server, "p_supervisor")
    page.goto(f"{live_server.url}/requests/triage/")
    _click_ref(page, request)
    _act(page, "assign", select={"lead_unit": "人力社保局"})
    assert _status(page) == "已交办"

    # The HR handler signs for it, records the first contact and asks for more time.
    _as(page, live_server, "p_handler")
    _click_ref(page, request)
    _act(page, "sign")
    assert _status(page) == "办理中"
    _act(page, "contact", select={"method": "电话联系"}, fill={"note": "已电话联系工会主席，了解岗位需求。"})
    request.refresh_from_db()
    new_due = WorkCalendar.load().add_workdays(request.response_due, 5)[0]
    _act(
        page,
        "extend_ask",
        fill={"proposed_due": new_due.isoformat(), "reason": "需与劳务输出地对接，等待对方回复。"},
    )
    request.refresh_from_db()
    assert request.response_due < new_due  # asking alone moves nothing

    # The supervisor approves the extension.
    _as(page, live_server, "p_supervisor")
    _open(page, live_server, request)
    _act(page, "extend_decide", check={"decision": "approve"})
    request.refresh_from_db()
    assert request.response_due == new_due

    # The handler's vague reply is refused; a dated one goes through.
    _as(page, live_server, "p_handler")
    _open(page, live_server, request)
    _act(page, "respond", check={"outcome": "partly"}, fill={"response": "我们会尽快协调劳务输出地解决。"})
    assert page.get_by_text("却没有明确时间").is_visible()
    _act(
        page,
        "respond",
        check={"outcome": "partly"},
        fill={"response": "已对接两家劳务公司，首批 15 人将于12月10日前到岗，其余在春节前补齐。"},
    )
    assert _status(page) == "已答复"

    # The contact is not satisfied: the request reopens to the same unit.
    _as(page, live_server, "p_contact")
    _open(page, live_server, request)
    assert page.get_by_text("首批 15 人将于12月10日前到岗").first.is_visible()
    _act(page, "rate", check={"satisfaction": "unsatisfied"}, fill={"comment": "到岗人数不足，仍缺 15 人。"})
    assert _status(page) == "重新办理"

    # The unit signs again and answers a second time.
    _as(page, live_server, "p_handler")
    _open(page, live_server, request)
    _act(page, "sign")
    _act(
        page,
        "respond",
        check={"outcome": "solved"},
        fill={"response": "第二批 15 人已于12月18日到岗，缺口全部补齐。"},
    )
    assert _status(page) == "已答复"

    # Satisfied this time; the supervisor closes it out.
    _as(page, live_server, "p_contact")
    _open(page, live_server, request)
    _act(page, "rate", check={"satisfaction": "satisfied"})
    _as(page, live_server, "p_supervisor")
    _open(page, live_server, request)
    _act(page, "close")
    assert _status(page) == "已办结"

    request.refresh_from_db()
    assert (request.status, request.reopen_count, request.return_count, request.satisfaction) == (
        "closed",
        1,
        1,
        "satisfied",
    )
    actions = list(request.events.values_list("action", flat=True))
    assert actions == [
        "submit",
        "assign",
        "return",
        "assign",
        "sign",
        "contact",
        "extend_ask",
        "extend_ok",
        "respond",
        "rate",
        "sign",
        "respond",
        "rate",
        "close",
    ]
    timeline = page.locator(".qq-timeline > li")
    assert timeline.count() == len(actions)

    # The contact's view of the finished request: the public steps only, fine on a phone.
    _as(page, live_server, "p_contact")
    page.set_viewport_size({"width": 375, "height": 812})
    _open(page, live_server, request)
    public = page.locator(".qq-timeline > li")
    assert public.count() == len([a for a in actions if a not in ("return", "extend_ask")])
    assert page.get_by_text("招工事项应由人力社保局主办").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.goto(f"{live_server.url}/requests/portal/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert external_requests == []
