"""A small county as six ledger files, and helpers to write ledgers as .csv or .xlsx."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import Workbook

from enterprises.validators import build_uscc

E1 = build_uscc("330421", "L0000001")
E2 = build_uscc("330421", "L0000002")
E3 = build_uscc("330421", "L0000003")

COUNTY = {
    "units": (
        ["单位编码", "单位名称", "类型", "层级", "所属镇街编码", "镇街名称"],
        [
            ["T01", "西塘镇人民政府", "镇街", "镇级", "", ""],
            ["T02", "罗星街道办事处", "镇街", "镇级", "", ""],
            ["D01", "县人力社保局", "部门", "县级", "", ""],
            ["D02", "县教育局", "部门", "县级", "", ""],
            ["TD1", "西塘镇经济发展办公室", "部门", "镇级", "T01", ""],
        ],
    ),
    "cadres": (
        ["干部编号", "姓名", "单位编码", "手机号码"],
        [
            ["C001", "张三", "T01", "13800000001"],
            ["C002", "李四", "D01", "13800000002"],
            ["C003", "王五", "TD1", ""],
        ],
    ),
    "enterprises": (
        [
            "统一社会信用代码",
            "企业名称",
            "属地编码",
            "行业",
            "规模",
            "年产值(万元)",
            "员工数",
            "地址",
            "法定代表人",
        ],
        [
            [
                E1,
                "西塘一号精密机械有限公司",
                "T01",
                "精密机械",
                "规上",
                "12500.5",
                "230",
                "西塘镇工业园区 1 号",
                "陈一",
            ],
            [E2, "西塘二号纺织有限公司", "T01", "纺织服装", "规下", "860", "45", "", "陈二"],
            [E3, "罗星三号电子有限公司", "T02", "电子信息", "规下", "", "", "", ""],
        ],
    ),
    "assignments": (
        ["干部编号", "统一社会信用代码", "开始日期", "结束日期"],
        [
            ["C001", E1, "2025-01-01", ""],
            ["C001", E2, "2025/1/1", ""],
            ["C002", E3, "2024-01-01", "2024-12-31"],
            ["C003", E3, "2025-01-01", ""],
        ],
    ),
    "visits": (
        ["统一社会信用代码", "干部编号", "走访日期", "走访方式", "走访情况"],
        [
            [E1, "C001", "2025-03-01", "实地走访", "了解用工情况，订单充足。"],
            [E2, "C001", "2025-03-02", "电话", "=订单下降 10%"],
            [E3, "C003", "2024-06-01", "座谈", "历史走访：早于联系关系开始日期。"],
        ],
    ),
    "requests": (
        [
            "编号",
            "统一社会信用代码",
            "干部编号",
            "提出日期",
            "问题类别",
            "问题描述",
            "牵头单位编码",
            "办理时限",
            "答复日期",
            "办理结果",
            "办结日期",
            "满意度",
        ],
        [
            [
                "QQ2025000101",
                E1,
                "C001",
                "2025-02-10",
                "招工用工",
                "缺普工 20 人",
                "D01",
                "",
                "2025-02-20",
                "已解决",
                "2025-02-25",
                "满意",
            ],
            [
                "QQ2025000102",
                E2,
                "C001",
                "2025-03-03",
                "子女就学",
                "员工子女入学",
                "D02",
                "2025-03-20",
                "2025-03-15",
                "部分解决",
                "",
                "",
            ],
            ["QQ2025000103", E3, "", "2025-04-01", "政策咨询", "咨询技改补助", "D01", "", "", "", "", ""],
            ["QQ2025000104", E3, "C003", "2025-04-02", "其他", "道路破损", "", "", "", "", "", ""],
        ],
    ),
}
ORDER = ["units", "cadres", "enterprises", "assignments", "visits", "requests"]


def write_csv(path, header, rows, *, bom=True):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, header, rows, *, title_rows=()):
    workbook = Workbook()
    sheet = workbook.active
    for title in title_rows:
        sheet.append(title)
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


@pytest.fixture
def ledger_file(tmp_path):
    """``ledger_file(header, rows, fmt="csv")`` → path of a new ledger file."""
    counter = {"n": 0}

    def make(header, rows, fmt="csv", **options):
        counter["n"] += 1
        path = tmp_path / f"ledger{counter['n']}.{fmt}"
        return (
            write_csv(path, header, rows, **options)
            if fmt == "csv"
            else write_xlsx(path, header, rows, **options)
        )

    return make


@pytest.fixture
def county_files(tmp_path):
    """The six ledgers of the small county, as CSV files in import order."""
    return {kind: write_csv(tmp_path / f"{kind}.csv", *COUNTY[kind]) for kind in ORDER}


@pytest.fixture
def county(db, county_files):
    """The small county imported from its six ledgers."""
    from qiqing.ledger import import_ledger

    for kind in ORDER:
        report = import_ledger(kind, county_files[kind])
        assert report.ok, (kind, report.errors)
    return county_files


def replace(kind, row_index, column, value):
    """The county's ledger with one cell changed: (header, rows)."""
    header, rows = COUNTY[kind]
    rows = [list(r) for r in rows]
    rows[row_index][header.index(column)] = value
    return header, rows


def day(text):
    return dt.date.fromisoformat(text)
