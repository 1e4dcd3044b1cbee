"""``python -m bench [names…] [--scale N]`` — run benchmarks, print a table, write JSON."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import pkgutil
import platform
from pathlib import Path

from bench import ROOT, BenchContext


def _modules() -> list[str]:
    package = Path(__file__).parent
    return sorted(
        m.name[len("bench_") :] for m in pkgutil.iter_modules([str(package)]) if m.name.startswith("bench_")
    )


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 100 else f"{value:,.0f}"
    return "" if value is None else str(value)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help=f"benchmarks to run (default all: {', '.join(_modules())})")
    parser.add_argument("--scale", type=int, default=50)
    parser.add_argument("--json", default=str(ROOT / "var" / "bench" / "results.json"))
    args = parser.parse_args()
    ctx = BenchContext(scale=args.scale)
    rows = []
    for name in args.names or _modules():
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {getattr(module, 'TITLE', name)}", flush=True)
        rows.extend(module.run(ctx))
    headers = ["benchmark", "measure", "value", "unit", "floor", "goal", "note"]
    table = [[_format(row.get(h)) for h in headers] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(headers)]
    print()
    print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "ran_at": dt.datetime.now().isoformat(timespec="seconds"),
                "scale": args.scale,
                "machine": platform.platform(),
                "notes": ctx.notes,
                "results": rows,
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"\nwritten {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
