"""Plotly figures for templates: built server-side with plotly.graph_objects, drawn by the
vendored plotly.js (static/vendor/plotly) through static/js/charts.js — no inline script.

In a view: ``context["coverage_chart"] = chart_payload(fig)``; in the template::

    {{ coverage_chart|json_script:"coverage-chart" }}
    <div class="qq-chart" data-chart="coverage-chart" role="img" aria-label="…"></div>
    {% block scripts %}{% include "includes/_chart_scripts.html" %}{% endblock %}

Always show the numbers as a table next to the chart too. Prefer category axes with Chinese
labels ("2026年1月") over date axes: the bundled plotly.js has English month names only.

A figure may also be a plain ``{"data": [...], "layout": {...}}`` dict in plotly.js's own terms:
``chart_payload`` then adds the same house layout without building graph objects, whose
validation costs ~10 ms per small figure — too much on a page served hundreds of times a minute
(the enterprise file).

plotly's default template (7 KB of JSON) is not sent inside every chart: it is the static file
``static/js/plotly-template.js``, cached by the browser, which static/js/charts.js applies to every
chart that has none. ``tests/test_charts.py`` checks that file against the pinned plotly; after
upgrading plotly, rewrite it with ``python -c "from qiqing.charts import write_template_script as
w; w()"``.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

from django.conf import settings

FONT = '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'


def _house_layout(height: int) -> dict:
    return {
        "font": {"family": FONT, "size": 12},
        "margin": {"l": 48, "r": 16, "t": 32, "b": 48},
        "height": height,
        "legend": {"orientation": "h", "y": -0.2},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }


@cache
def _default_template_json() -> str:
    """plotly.py's default template, serialised once (every figure carries a copy)."""
    import plotly.graph_objects as go

    return json.dumps(json.loads(go.Figure().to_json())["layout"]["template"])


def _merge(into: dict, update: dict) -> dict:
    """Nested update, as ``fig.update_layout`` does: dicts merge, anything else replaces."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def figure(data: list[dict], **layout) -> dict:
    """A plain plotly.js figure: traces as dicts with their ``type`` ("bar", "scatter" …)."""
    return {"data": data, "layout": layout}


TEMPLATE_SCRIPT = Path(__file__).resolve().parent.parent / "static" / "js" / "plotly-template.js"


def template_script() -> str:
    """The static file that gives every chart plotly's default template in the browser."""
    return (
        "// Generated from plotly.py's default template (qiqing.charts.write_template_script); "
        "static/js/charts.js applies it.\n"
        f"window.QQ_PLOTLY_TEMPLATE = {_default_template_json()};\n"
    )


def write_template_script(path: Path = TEMPLATE_SCRIPT) -> None:
    path.write_text(template_script(), encoding="utf-8")


def chart_payload(fig, *, height: int = 320) -> dict:
    """A JSON-safe {data, layout} dict with the house layout (fonts, margins, legend below);
    the default template comes from the static file (see the module docstring)."""
    if isinstance(fig, dict):
        layout = copy.deepcopy(fig.get("layout", {}))
        fast = {"data": fig["data"], "layout": _merge(layout, _house_layout(height))}
        if getattr(settings, "QIQING_CHECK_CHARTS", False):
            _check_against_plotly(fig, fast, height)
        return fast
    fig.update_layout(**_house_layout(height))
    payload = json.loads(fig.to_json())
    if payload["layout"].get("template") == json.loads(_default_template_json()):
        del payload["layout"]["template"]
    return payload


def _check_against_plotly(fig: dict, fast: dict, height: int) -> None:
    """In tests: plotly.py validates the plain figure (an unknown property raises) and must
    serialise it to exactly the JSON the template will embed."""
    import plotly.graph_objects as go
    from django.core.serializers.json import DjangoJSONEncoder

    slow = chart_payload(go.Figure(copy.deepcopy(fig)), height=height)
    embedded = json.loads(json.dumps(fast, cls=DjangoJSONEncoder))
    difference = _first_difference(embedded, slow)
    if difference:
        raise AssertionError(f"chart differs from plotly's own serialisation at {difference}")


def _first_difference(a, b, path="") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: {a.get(key, '<missing>')!r} vs {b.get(key, '<missing>')!r}"
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return ""
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return ""
    return "" if a == b else f"{path}: {a!r} vs {b!r}"
