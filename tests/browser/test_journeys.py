"""End-to-end journeys on the demo county with the demo logins (issue 8).

Each journey seeds the county as ``make run`` does, signs in with the published demo logins and
works through real pages in Chromium; a failing journey leaves a screenshot in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.demo import DEMO_PASSWORD
from cadres.models import Cadre
from enterprises.models import EnterpriseContact
from enterprises.validators import build_uscc
from requests_tracker.models import Request
from requests_tracker.workdays import WorkCalendar
from tests.browser.conftest import log_in
from tests.browser.test_request_lifecycle import _act, _click_ref, _open, _status
from tests.ledger.conftest import write_csv

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county(transactional_db):
    call_command("seed_demo", "--force", verbosity=0)


def _as(page, live_server, username):
    page.context.clear_cookies()
    log_in(page, live_server, username, DEMO_PASSWORD)


def _upload(page, live_server, kind, path):
    page.goto(f"{live_server.url}/cadres/ledger/")
    page.select_option("select[name=kind]", kind)
    page.set_input_files("input[name=file]", str(path))
    page.get_by_role("button", name="上传并导入").click()
    page.wait_for_load_state("networkidle")
    return page.locator(".alert-success, .alert-danger").first.inner_text()


def test_journey_1_admin_imports_ledgers_assigns_a_cadre_and_sees_the_rule(
    page, live_server, county, tmp_path, external_requests
):
    codes = [build_uscc("330421", f"JN00000{i}") for i in range(2)]
    cadres = write_csv(
        tmp_path / "cadres.csv",
        ["干部编号", "姓名", "单位编码", "手机号码"],
        [["JN001", "周新来", "T001", "13900000001"]],
    )
    enterprises = write_csv(
        tmp_path / "enterprises.csv",
        ["统一社会信用代码", "企业名称", "属地编码", "行业", "规模"],
        [
            [codes[0], "嘉善新来一号科技有限公司", "330421001", "电子信息", "规下"],
            [codes[1], "嘉善新来二号机械有限公司", "330421001", "装备制造", "规上"],
        ],
    )
    pairs = write_csv(
        tmp_path / "assignments.csv",
        ["干部编号", "统一社会信用代码", "开始日期"],
        [["JN001", codes[0], dt.date.today().isoformat()]],
    )
    _as(page, live_server, "admin")
    assert "新增 1" in _upload(page, live_server, "cadres", cadres)
    assert "新增 2" in _upload(page, live_server, "enterprises", enterprises)
    assert "新增 1" in _upload(page, live_server, "assignments", pairs)

    # One enterprise: below the rule's minimum, listed as needing attention.
    page.goto(f"{live_server.url}/cadres/attention/")
    assert page.get_by_role("link", name="周新来").first.is_visible()
    cadre = Cadre.objects.get(code="JN001")
    page.goto(f"{live_server.url}/cadres/{cadre.pk}/pairs/")
    assert "少于 2 家" in page.locator('[data-qq-count="add"]').inner_text()

    # Pair the second imported enterprise; the warning goes away.
    page.fill("input[name=q]", "新来二号")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    page.locator('input[data-qq-tick="add"]').first.check()
    page.get_by_role("button", name="添加勾选的企业").click()
    page.wait_for_load_state("networkidle")
    assert "已为 周新来 新增 1 家联系企业。" in page.locator(".alert-success").inner_text()
    assert cadre.active_assignment_count() == 2
    page.goto(f"{live_server.url}/cadres/attention/")
    assert page.get_by_role("link", name="周新来").count() == 0
    assert external_requests == []


def test_journey_2_cadre_logs_a_visit_on_a_phone_and_raises_a_problem(
    phone_page, live_server, county, external_requests
):
    page = phone_page
    _as(page, live_server, "cadre")
    assert page.url.endswith("/visits/mine/")
    first = page.locator('[data-layout="cards"] [data-enterprise]').first
    enterprise_pk = first.get_attribute("data-enterprise")
    first.get_by_role("link", name="登记走访").click()
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=summary]", "实地走访，了解四季度订单和用工情况。")
    page.get_by_role("button", name="添加一个问题").click()
    page.select_option("select[name=problems-0-category]", label="用电用能")
    page.fill("textarea[name=problems-0-description]", "新增生产线需增容 800 千伏安，请协调供电公司。")
    page.get_by_role("button", name="提交走访").click()
    # Either the file opens, or the visit comes back asking to confirm a second visit today.
    page.locator("[data-timeline], [data-outbox-item]").first.wait_for()
    if page.get_by_role("button", name="确认仍要登记").count():
        page.get_by_role("button", name="确认仍要登记").click()  # the seed may have a visit today
    page.wait_for_url(f"**/visits/enterprises/{enterprise_pk}/")

    assert page.url.endswith(f"/visits/enterprises/{enterprise_pk}/")
    timeline = page.locator("[data-timeline]")
    assert "实地走访，了解四季度订单和用工情况。" in timeline.inner_text()
    assert "新增生产线需增容 800 千伏安" in timeline.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert Request.objects.filter(description__startswith="新增生产线需增容", source="visit").count() == 1
    assert external_requests == []


def test_journeys_3_and_4_a_request_from_the_portal_to_close_out(
    page, live_server, county, external_requests
):
    """The contact submits and rates (unsatisfied, then satisfied); the handler signs, returns and
    responds; the supervisor triages, approves an extension and closes out."""
    text = "新厂房投产需招聘操作工 40 人，希望组织专场招聘会。"
    _as(page, live_server, "contact")
    page.click("text=提交诉求")
    page.select_option("select[name=category]", label="招工用工")
    page.fill("textarea[name=description]", text)
    page.click("button[type=submit]:has-text('提交')")
    page.wait_for_load_state("networkidle")
    request = Request.objects.get(description=text)
    assert request.enterprise == EnterpriseContact.objects.get(user__username="contact").enterprise

    _as(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/requests/triage/")
    _click_ref(page, request)
    _act(page, "assign", select={"lead_unit": "县人力社保局"})
    assert _status(page) == "已交办"

    # The handler signs, then returns it: the enterprise's address is missing from the request.
    _as(page, live_server, "handler")
    _click_ref(page, request)
    _act(page, "sign")
    _act(page, "return", select={"reason": "信息不全"}, fill={"note": "请补充招聘岗位和地址。"}, confirm=True)
    _as(page, live_server, "supervisor")
    page.goto(f"{live_server.url}/requests/triage/")
    _click_ref(page, request)
    _act(page, "assign", select={"lead_unit": "县人力社保局"}, fill={"note": "已补充：岗位为注塑操作工。"})

    _as(page, live_server, "handler")
    _open(page, live_server, request)
    _act(page, "sign")
    request.refresh_from_db()
    new_due = WorkCalendar.load().add_workdays(request.response_due, 5)[0]
    _act(page, "extend_ask", fill={"proposed_due": new_due.isoformat(), "reason": "专场招聘会安排在下月初。"})

    _as(page, live_server, "supervisor")
    _open(page, live_server, request)
    _act(page, "extend_decide", check={"decision": "approve"})
    request.refresh_from_db()
    assert request.response_due == new_due

    _as(page, live_server, "handler")
    _open(page, live_server, request)
    _act(
        page,
        "respond",
        check={"outcome": "partly"},
        fill={"response": "已于12月5日举办专场招聘会，首批 25 人已签约，其余12月20日前补齐。"},
    )
    assert _status(page) == "已答复"

    _as(page, live_server, "contact")
    _open(page, live_server, request)
    _act(page, "rate", check={"satisfaction": "unsatisfied"}, fill={"comment": "仍缺 15 人。"})
    assert _status(page) == "重新办理"

    _as(page, live_server, "handler")
    _open(page, live_server, request)
    _act(page, "sign")
    _act(
        page,
        "respond",
        check={"outcome": "solved"},
        fill={"response": "第二批 15 人已于12月18日到岗，缺口补齐。"},
    )

    _as(page, live_server, "contact")
    _open(page, live_server, request)
    _act(page, "rate", check={"satisfaction": "satisfied"})
    _as(page, live_server, "supervisor")
    _open(page, live_server, request)
    _act(page, "close")
    assert _status(page) == "已办结"

    request.refresh_from_db()
    assert (request.status, request.reopen_count, request.return_count, request.last_rating) == (
        "closed",
        1,
        1,
        "satisfied",
    )
    assert list(request.events.values_list("action", flat=True)) == [
        "submit",
        "assign",
        "sign",
        "return",
        "assign",
        "sign",
        "extend_ask",
        "extend_ok",
        "respond",
        "rate",
        "sign",
        "respond",
        "rate",
        "close",
    ]
    assert external_requests == []


DASHBOARDS = {
    "走访覆盖": ("/analytics/coverage/", ["chart-towns", "chart-units"]),
    "问题分布": ("/analytics/issues/", ["chart-months", "chart-festival", "chart-shares", "chart-heat"]),
    "共性问题": ("/analytics/problems/", ["chart-sizes"]),
    "擂台比武": ("/analytics/ranking/", ["chart-history"]),
    "超期督办": ("/analytics/overdue/", ["chart-overdue-units"]),
    "干部履职": ("/analytics/cadres/", []),
    "工作总览": ("/analytics/overview/", []),
}


def _board(page, colour):
    """The towns on the ranking page's red or black list, in rank order."""
    items = page.locator(f'[data-board="{colour}"] li').all_inner_texts()
    return [item.split(". ", 1)[1].split()[0] for item in items]


def test_journey_5_supervisor_reads_every_dashboard_and_the_monthly_report(
    page, live_server, county, tmp_path, external_requests
):
    from openpyxl import load_workbook

    _as(page, live_server, "supervisor")
    assert page.url.endswith("/analytics/coverage/")
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    for label, (path, charts) in DASHBOARDS.items():
        page.locator("#qq-nav .dropdown-toggle", has_text="统计分析").click()
        page.locator(".dropdown-menu.show a", has_text=label).click()
        page.wait_for_load_state("networkidle")
        assert page.url.split("?")[0].endswith(path), label
        for chart in charts:
            page.wait_for_selector(f'[data-chart="{chart}"][data-drawn] svg.main-svg', state="attached")
        assert page.locator("h1").first.is_visible()
        assert failed == [], label
        if path == "/analytics/coverage/":
            assert page.locator('[data-card="coverage_rate"] [data-value]').inner_text().endswith("%")
        if path == "/analytics/problems/":
            # A class of problems opens on its requests.
            page.locator('[data-table="clusters"] tbody a').first.click()
            page.wait_for_load_state("networkidle")
            size = int(page.locator('[data-value="size"]').inner_text())
            assert size >= 3 and page.locator('[data-table="requests"] tbody tr').count() >= min(size, 3)
        if path == "/analytics/overdue/":
            total = int(page.locator("[data-total]").get_attribute("data-total"))
            assert total > 0 and page.locator('[data-table="board"] tbody tr').count() == min(total, 50)
        if path == "/analytics/ranking/":
            red, black = _board(page, "red"), _board(page, "black")
            assert len(red) == 3 and len(black) == 3 and not set(red) & set(black)

    # The monthly report for last month (the form's default) ...
    page.locator("#qq-nav .dropdown-toggle", has_text="统计分析").click()
    page.locator(".dropdown-menu.show a", has_text="月报").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="生成月报").click()
    page.wait_for_load_state("networkidle")
    with page.expect_download() as download:
        page.locator("[data-download]").click()
    assert download.value.suggested_filename.startswith("企情在线月报")
    saved = tmp_path / "report.xlsx"
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    assert book.sheetnames[:2] == ["说明", "主要指标"]
    rows = list(book["红黑榜"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    town, board = header.index("镇街"), header.index("榜单")
    in_report = {
        colour: [row[town] for row in body if row[board] == label]
        for colour, label in (("red", "红榜"), ("black", "黑榜"))
    }

    # ... carries the red and black lists of the month's last complete week, as the ranking page
    # shows them for that week.
    today = timezone.localdate()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    week = month_end - dt.timedelta(days=6)
    week -= dt.timedelta(days=week.weekday())
    page.goto(f"{live_server.url}/analytics/ranking/?week={week.isoformat()}")
    assert in_report == {"red": _board(page, "red"), "black": _board(page, "black")}
    assert external_requests == []
