"""Plotly figures for templates: built server-side with plotly.graph_objects, drawn by the
vendored plotly.js (static/vendor/plotly) through static/js/charts.js — no inline script.

In a view: ``context["coverage_chart"] = chart_payload(fig)``; in the template::

    {{ coverage_chart|json_script:"coverage-chart" }}
    <div class="qq-chart" data-chart="coverage-chart" role="img" aria-label="…"></div>
    {% block scripts %}{% include "includes/_chart_scripts.html" %}{% endblock %}

Always show the numbers as a table next to the chart too. Prefer category axes with Chinese
labels ("2026年1月") over date axes: the bundled plotly.js has English month names only.
"""

from __future__ import annotations

import json

FONT = '"PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif'


def chart_payload(fig, *, height: int = 320) -> dict:
    """A JSON-safe {data, layout} dict with the house layout (fonts, margins, legend below)."""
    fig.update_layout(
        font={"family": FONT, "size": 12},
        margin={"l": 48, "r": 16, "t": 32, "b": 48},
        height=height,
        legend={"orientation": "h", "y": -0.2},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return json.loads(fig.to_json())
