"""Small plotly figures of an enterprise's survey indicators (走访调查表) over time."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _

BLUE = "#0b4f8a"
ORANGE = "#d9822b"
GREEN = "#2e7d32"
RED = "#c62828"


def survey_figures(series) -> dict[str, go.Figure]:
    """Headcount, vacancies and output trend by month; empty when nothing was ever surveyed."""
    if not series:
        return {}
    labels = [p.label for p in series]
    headcount = go.Figure(
        go.Scatter(
            x=labels,
            y=[p.headcount for p in series],
            mode="lines+markers",
            name=_("在岗职工数"),
            line={"color": BLUE},
            connectgaps=True,
            hovertemplate=_("%{x}：%{y} 人<extra></extra>"),
        )
    )
    vacancies = go.Figure(
        go.Bar(
            x=labels,
            y=[p.vacancies for p in series],
            name=_("用工缺口(人)"),
            marker={"color": ORANGE},
            hovertemplate=_("%{x}：%{y} 人<extra></extra>"),
        )
    )
    output = go.Figure(
        go.Bar(
            x=labels,
            y=[float(p.output_yoy) if p.output_yoy is not None else None for p in series],
            name=_("产值/销售同比(%)"),
            marker={"color": [RED if (p.output_yoy or 0) < 0 else GREEN for p in series]},
            hovertemplate="%{x}：%{y:.2f}%<extra></extra>",
        )
    )
    for fig, title in (
        (headcount, _("在岗职工数（人）")),
        (vacancies, _("用工缺口（人）")),
        (output, _("产值/销售同比（%）")),
    ):
        fig.update_layout(title={"text": title, "font": {"size": 13}, "x": 0}, showlegend=False)
        fig.update_xaxes(type="category", tickangle=-45)
    # People are whole numbers counted from zero; a zoomed axis would turn 7 → 8 into a cliff.
    for fig in (headcount, vacancies):
        fig.update_yaxes(rangemode="tozero", tickformat="d")
    output.update_yaxes(ticksuffix="%", zeroline=True)
    return {"headcount": headcount, "vacancies": vacancies, "output": output}
