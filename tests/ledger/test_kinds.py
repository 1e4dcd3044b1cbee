"""Each ledger kind: what an import creates, updates and leaves alone; re-import; export round trip."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from cadres.models import Assignment, AssignmentChange, Cadre, Level, Unit
from enterprises.models import Enterprise, Town
from qiqing.ledger import export_ledger, import_ledger
from requests_tracker.models import Request, RequestEvent, RequestSequence
from tests.ledger.conftest import COUNTY, E1, E2, E3, ORDER, day, replace
from visits.models import Visit

pytestmark = pytest.mark.django_db


def test_a_county_is_rebuilt_from_six_ledgers(county):
    assert Unit.objects.count() == 5 and Town.objects.count() == 2
    assert Cadre.objects.count() == 3 and Enterprise.objects.count() == 3
    assert Assignment.objects.count() == 4 and Visit.objects.count() == 3
    assert Request.objects.count() == 4


def test_town_unit_creates_the_town_with_its_code_and_short_name(county):
    town = Town.objects.get(code="T01")
    assert town.name == "西塘镇" and town.kind == "town"
    assert Unit.objects.get(code="T01").town == town
    assert Town.objects.get(code="T02").kind == "street"  # 罗星街道


def test_town_level_department_belongs_to_its_town(county):
    unit = Unit.objects.get(code="TD1")
    assert (unit.kind, unit.level, unit.town.code) == ("department", "town", "T01")


def test_cadre_takes_the_level_of_its_unit(county):
    levels = dict(Cadre.objects.values_list("code", "level"))
    assert levels == {"C001": Level.TOWN, "C002": Level.COUNTY, "C003": Level.TOWN}


def test_enterprise_fields_are_parsed(county):
    enterprise = Enterprise.objects.get(uscc=E1)
    assert enterprise.town.code == "T01" and enterprise.scale == "above"
    assert enterprise.annual_output == Decimal("12500.50") and enterprise.employees == 230
    blank = Enterprise.objects.get(uscc=E3)
    assert blank.annual_output is None and blank.employees is None and blank.scale == "below"


def test_assignments_keep_history_and_mark_one_lead(county):
    e3 = Assignment.objects.filter(enterprise__uscc=E3).order_by("start")
    assert [(a.cadre.code, a.end) for a in e3] == [("C002", day("2024-12-31")), ("C003", None)]
    assert Assignment.objects.get(cadre__code="C003").is_lead


def test_imported_pairs_are_in_the_change_log(county):
    change = AssignmentChange.objects.get(cadre__code="C003")
    assert change.action == "import" and change.before == {} and change.after["start"] == "2025-01-01"


def test_visits_are_marked_imported_and_formulas_come_back_as_text(county):
    visit = Visit.objects.get(enterprise__uscc=E2)
    assert visit.imported and visit.mode == "phone"
    assert visit.summary == "=订单下降 10%"


def test_visit_before_its_assignment_is_imported_with_a_warning(db, county_files):
    for kind in ORDER[:4]:
        import_ledger(kind, county_files[kind])
    report = import_ledger("visits", county_files["visits"])
    assert report.ok and report.created == 3
    assert "1 条走访早于该干部与企业联系关系的开始日期（按历史记录导入）" in report.warnings


def test_requests_take_the_status_their_dates_imply(county):
    statuses = dict(Request.objects.values_list("ref", "status"))
    assert statuses == {
        "QQ2025000101": "closed",
        "QQ2025000102": "responded",
        "QQ2025000103": "assigned",
        "QQ2025000104": "submitted",
    }


def test_closed_request_gets_dated_imported_events(county):
    request = Request.objects.get(ref="QQ2025000101")
    events = list(request.events.values_list("action", "to_status", "imported"))
    assert events == [
        ("submit", "submitted", True),
        ("assign", "assigned", True),
        ("respond", "responded", True),
        ("rate", "responded", True),
        ("close", "closed", True),
    ]
    close = request.events.get(action="close")
    assert timezone.localdate(close.at) == dt.date(2025, 2, 25)
    assert request.satisfaction == "satisfied" and request.outcome == "solved" and request.source == "ledger"


def test_default_deadline_counts_working_days_from_submission(county):
    # 2025-04-01 (Tue) + 5 working days of 政策咨询: the Qingming holiday (4 April, a Friday)
    # pushes the due date from Tuesday 8th to Wednesday 9th.
    request = Request.objects.get(ref="QQ2025000103")
    assert request.response_due == dt.date(2025, 4, 9) and not request.deadline_estimated


def test_given_deadline_is_kept(county):
    assert Request.objects.get(ref="QQ2025000102").response_due == dt.date(2025, 3, 20)


def test_reference_sequence_moves_past_imported_references(county):
    RequestSequence.objects.create(year=2025, last=3)
    import_ledger("requests", county["requests"])  # unchanged: the sequence row exists now
    header, rows = COUNTY["requests"]
    rows = [*rows, ["QQ2025000200", E1, "", "2025-05-01", "其他", "新问题", "", "", "", "", "", ""]]
    path = county["requests"].with_name("more.csv")
    from tests.ledger.conftest import write_csv

    write_csv(path, header, rows)
    assert import_ledger("requests", path).created == 1
    assert RequestSequence.objects.get(year=2025).last == 200


def test_basically_satisfied_maps_to_basic(db, county, ledger_file):
    header, rows = replace("requests", 0, "满意度", "basically")
    report = import_ledger("requests", ledger_file(header, rows))
    assert report.updated == 1
    assert Request.objects.get(ref="QQ2025000101").satisfaction == "basic"


@pytest.mark.parametrize("kind", ORDER)
def test_importing_the_same_file_twice_changes_nothing(county, kind):
    before_events = RequestEvent.objects.count()
    report = import_ledger(kind, county[kind])
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(COUNTY[kind][1]))
    assert RequestEvent.objects.count() == before_events


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", ORDER)
def test_export_then_import_is_a_round_trip(county, kind, fmt, tmp_path):
    path = tmp_path / f"{kind}.{fmt}"
    assert export_ledger(kind, path, fmt) == len(COUNTY[kind][1])
    report = import_ledger(kind, path)
    assert report.ok, report.errors
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(COUNTY[kind][1]))


def test_round_trip_keeps_lifecycle_times_and_statuses(world, tmp_path):
    """Requests that went through the live lifecycle keep their exact times and status."""
    world.req_a1.status = Request.Status.IN_PROGRESS
    world.req_a1.save()
    for kind in ORDER:
        path = tmp_path / f"{kind}.xlsx"
        export_ledger(kind, path)
        report = import_ledger(kind, path)
        assert report.ok and report.created == report.updated == 0, (kind, report.errors)
    world.req_a1.refresh_from_db()
    assert world.req_a1.status == "in_progress"


def test_changed_row_updates_only_that_record(county, ledger_file):
    header, rows = replace("enterprises", 1, "员工数", "50")
    report = import_ledger("enterprises", ledger_file(header, rows))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert Enterprise.objects.get(uscc=E2).employees == 50


def test_blank_scale_keeps_the_existing_scale(county, ledger_file):
    header, rows = replace("enterprises", 0, "规模", "")
    assert import_ledger("enterprises", ledger_file(header, rows)).unchanged == 3
    assert Enterprise.objects.get(uscc=E1).scale == "above"


def test_adding_an_end_date_ends_the_pair_and_logs_it(county, ledger_file):
    header, rows = replace("assignments", 0, "结束日期", "2025-06-30")
    report = import_ledger("assignments", ledger_file(header, rows))
    assert report.updated == 1
    pair = Assignment.objects.get(cadre__code="C001", enterprise__uscc=E1)
    assert pair.end == dt.date(2025, 6, 30)
    change = AssignmentChange.objects.filter(assignment=pair).order_by("-pk").first()
    assert change.before["end"] is None and change.after["end"] == "2025-06-30"


def test_a_pair_can_be_ended_and_restarted_in_one_file(county, ledger_file):
    header, rows = replace("assignments", 0, "结束日期", "2025-06-30")
    rows.append(["C001", E1, "2025-09-01", ""])
    report = import_ledger("assignments", ledger_file(header, rows))
    assert report.ok and (report.created, report.updated) == (1, 1)
    assert Assignment.objects.active().filter(cadre__code="C001", enterprise__uscc=E1).get().start == dt.date(
        2025, 9, 1
    )


def test_request_update_records_an_import_event_with_the_new_status(county, ledger_file):
    header, rows = replace("requests", 2, "答复日期", "2025-04-08")
    rows[2][header.index("办理结果")] = "解释说明"
    report = import_ledger("requests", ledger_file(header, rows))
    assert report.updated == 1
    request = Request.objects.get(ref="QQ2025000103")
    event = request.events.order_by("-pk").first()
    assert request.status == "responded" and request.version == 1
    assert (event.action, event.from_status, event.to_status, event.imported) == (
        "import",
        "assigned",
        "responded",
        True,
    )


def test_units_ledger_of_the_seeded_kind_links_towns_by_territory_code(db, ledger_file):
    """A town unit whose code differs from its territory code names it in 所属镇街编码."""
    header = ["单位编码", "单位名称", "类型", "层级", "所属镇街编码"]
    report = import_ledger(
        "units", ledger_file(header, [["T102", "西塘镇人民政府", "镇街", "镇级", "330421102"]])
    )
    assert report.ok
    assert Unit.objects.get(code="T102").town.code == "330421102"
    header = ["统一社会信用代码", "企业名称", "属地编码"]
    both = [[E1, "甲", "T102"], [E2, "乙", "330421102"]]
    assert import_ledger("enterprises", ledger_file(header, both)).created == 2
    assert set(Enterprise.objects.values_list("town__code", flat=True)) == {"330421102"}
