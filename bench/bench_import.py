"""A 100,000-row enterprises ledger (企业台账) imported into an empty PostgreSQL database.

Runs on the context's PostgreSQL server in a database of its own (``<prefix>_import``,
created and migrated afresh each run and dropped afterwards, so the seeded benchmark county is
left alone). The files are generated in a temporary directory. Each import step is timed next to
the time it takes only to read and parse the same file, and the child process's peak memory
shows that rows are streamed.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import ROOT, BenchContext

TITLE = "台账导入：10 万行企业台账（PostgreSQL）"
ROWS = 100_000
TOWNS = 9

CHILD = r"""
import json, os, resource, time
from qiqing.ledger import import_ledger, parse_only

def timed(step):
    started = time.perf_counter()
    value = step()
    return time.perf_counter() - started, value

out = {}
assert import_ledger("units", os.environ["BENCH_UNITS"]).ok
for fmt in ("csv", "xlsx"):
    out[f"parse_{fmt}"], rows = timed(lambda: parse_only("enterprises", os.environ[f"BENCH_{fmt.upper()}"]))
    assert rows == int(os.environ["BENCH_ROWS"]), rows
seconds, report = timed(lambda: import_ledger("enterprises", os.environ["BENCH_CSV"]))
assert report.ok and report.created == rows, report.summary()
out["import_csv"] = seconds
for fmt in ("csv", "xlsx"):
    seconds, report = timed(lambda: import_ledger("enterprises", os.environ[f"BENCH_{fmt.upper()}"]))
    assert report.ok and report.unchanged == rows, report.summary()
    out[f"reimport_{fmt}"] = seconds
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH_RESULT " + json.dumps(out))
"""


def _database(ctx: BenchContext) -> str:
    return f"{ctx.database_prefix}_import"


def _database_url(ctx: BenchContext) -> str:
    return ctx.pg_admin_url.rsplit("/", 1)[0] + "/" + _database(ctx)


def _fresh_database(ctx: BenchContext) -> None:
    import psycopg2

    conn = psycopg2.connect(ctx.pg_admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{_database(ctx)}"')
        cursor.execute(f'CREATE DATABASE "{_database(ctx)}"')
    conn.close()


def _write_files(folder: Path, rows: int) -> dict[str, Path]:
    from enterprises.validators import build_uscc
    from qiqing.xlsx import Sheet, write_workbook

    units = folder / "units.csv"
    with open(units, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["单位编码", "单位名称", "类型", "层级"])
        for i in range(TOWNS):
            writer.writerow([f"T{i + 1:02d}", f"测试{i + 1}镇人民政府", "镇街", "镇级"])
    header = [
        "统一社会信用代码",
        "企业名称",
        "属地编码",
        "行业",
        "规模",
        "年产值(万元)",
        "员工数",
        "地址",
        "法定代表人",
    ]

    def body():
        for i in range(rows):
            yield [
                build_uscc("330421", f"{i:08d}"),
                f"嘉善测试{i}号精密机械有限公司",
                f"T{i % TOWNS + 1:02d}",
                "精密机械",
                "规上" if i % 4 == 0 else "规下",
                f"{100 + (i % 5000) * 1.25:.2f}",
                20 + i % 400,
                f"测试{i % TOWNS + 1}镇工业园区{i}号",
                "张三",
            ]

    enterprises = folder / "enterprises.csv"
    with open(enterprises, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(body())
    xlsx = folder / "enterprises.xlsx"
    write_workbook(xlsx, [Sheet("企业台账", header, body())])
    return {"units": units, "csv": enterprises, "xlsx": xlsx}


def _drop_database(ctx: BenchContext) -> None:
    import psycopg2

    conn = psycopg2.connect(ctx.pg_admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{_database(ctx)}"')
    conn.close()


def run(ctx: BenchContext) -> list[dict]:
    _fresh_database(ctx)
    try:
        result, sizes = _measure(ctx)
    finally:
        _drop_database(ctx)
    ctx.notes.append(
        f"import: {ROWS} enterprise rows into a fresh database {_database(ctx)} on the benchmark PostgreSQL "
        f"server, dropped afterwards (csv {sizes['csv']:.1f} MB, xlsx {sizes['xlsx']:.1f} MB)"
    )
    name = "ledger_import_enterprises"
    rows = []
    for key, label, fmt in (
        ("parse_csv", "parse only (no database)", "csv"),
        ("import_csv", "import: 100,000 new", "csv"),
        ("reimport_csv", "re-import: all unchanged", "csv"),
        ("parse_xlsx", "parse only (no database)", "xlsx"),
        ("reimport_xlsx", "re-import: all unchanged", "xlsx"),
    ):
        seconds, parse = result[key], result[f"parse_{fmt}"]
        note = fmt if key.startswith("parse") else f"{fmt}; {seconds / parse:.1f}× the parse time"
        rows.append(
            {
                "benchmark": name,
                "measure": f"{label} ({fmt}) time",
                "value": seconds,
                "unit": "s",
                "note": note,
            }
        )
        rows.append(
            {"benchmark": name, "measure": f"{label} ({fmt}) rate", "value": ROWS / seconds, "unit": "rows/s"}
        )
    rows.append(
        {
            "benchmark": name,
            "measure": "peak memory of the importing process",
            "value": result["peak_rss_mb"],
            "unit": "MB",
            "note": "all steps in one process; rows are streamed, only keys are kept",
        }
    )
    return rows


def _measure(ctx: BenchContext) -> tuple[dict, dict]:
    env = ctx.env(DATABASE_URL=_database_url(ctx))
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    with tempfile.TemporaryDirectory(prefix="qiqing-bench-import-") as folder:
        files = _write_files(Path(folder), ROWS)
        env.update(
            BENCH_UNITS=str(files["units"]),
            BENCH_CSV=str(files["csv"]),
            BENCH_XLSX=str(files["xlsx"]),
            BENCH_ROWS=str(ROWS),
        )
        sizes = {fmt: files[fmt].stat().st_size / 1048576 for fmt in ("csv", "xlsx")}
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", CHILD],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    line = next(line for line in done.stdout.splitlines() if line.startswith("BENCH_RESULT "))
    return json.loads(line.removeprefix("BENCH_RESULT ")), sizes
