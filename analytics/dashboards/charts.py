"""The house chart payload (``qiqing.charts.chart_payload``) with the dashboards' conventions:
no figure title (the card header says it), tight margins, and an optional phone variant that
static/js/analytics.js applies on narrow screens."""

from __future__ import annotations

from qiqing.charts import chart_payload, figure

__all__ = ["figure", "payload"]


def payload(
    fig, *, height: int, phone_layout: dict | None = None, phone_traces: dict | None = None, **margin
) -> dict:
    data = chart_payload(fig, height=height)
    data["layout"]["margin"].update({"t": 8, **margin})
    data["layout"].pop("title", None)
    if phone_layout or phone_traces:
        # Dotted layout paths and attributes for every trace (see analytics.js).
        data["layout"].setdefault("meta", {})["phone"] = {
            "layout": phone_layout or {},
            "traces": phone_traces or {},
        }
    return data
