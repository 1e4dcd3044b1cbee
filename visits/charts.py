"""Small figures of an enterprise's survey indicators (走访调查表) over time.

Built as plain plotly.js figure dicts rather than plotly graph objects: the enterprise file is one
of the busiest pages, and validating three graph objects cost more than the rest of the page
(``qiqing.charts.chart_payload`` accepts either; a test checks both give the same chart).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

BLUE = "#0b4f8a"
ORANGE = "#d9822b"
GREEN = "#2e7d32"
RED = "#c62828"


def survey_figures(series) -> dict[str, dict]:
    """Headcount, vacancies and output trend by month; empty when nothing was ever surveyed."""
    if not series:
        return {}
    labels = [p.label for p in series]
    traces = {
        "headcount": {
            "type": "scatter",
            "x": labels,
            "y": [p.headcount for p in series],
            "mode": "lines+markers",
            "name": _("在岗职工数"),
            "line": {"color": BLUE},
            "connectgaps": True,
            "hovertemplate": _("%{x}：%{y} 人<extra></extra>"),
        },
        "vacancies": {
            "type": "bar",
            "x": labels,
            "y": [p.vacancies for p in series],
            "name": _("用工缺口(人)"),
            "marker": {"color": ORANGE},
            "hovertemplate": _("%{x}：%{y} 人<extra></extra>"),
        },
        "output": {
            "type": "bar",
            "x": labels,
            "y": [float(p.output_yoy) if p.output_yoy is not None else None for p in series],
            "name": _("产值/销售同比(%)"),
            "marker": {"color": [RED if (p.output_yoy or 0) < 0 else GREEN for p in series]},
            "hovertemplate": _("%{x}：%{y:.2f}%<extra></extra>"),
        },
    }
    titles = {
        "headcount": _("在岗职工数（人）"),
        "vacancies": _("用工缺口（人）"),
        "output": _("产值/销售同比（%）"),
    }
    # People are whole numbers counted from zero; a zoomed axis would turn 7 → 8 into a cliff.
    people_axis = {"rangemode": "tozero", "tickformat": "d"}
    yaxes = {
        "headcount": people_axis,
        "vacancies": people_axis,
        "output": {"ticksuffix": "%", "zeroline": True},
    }
    return {
        key: {
            "data": [trace],
            "layout": {
                "title": {"text": titles[key], "font": {"size": 13}, "x": 0},
                "showlegend": False,
                "xaxis": {"type": "category", "tickangle": -45},
                "yaxis": dict(yaxes[key]),
            },
        }
        for key, trace in traces.items()
    }
