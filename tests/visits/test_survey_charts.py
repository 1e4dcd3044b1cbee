"""The survey charts are plain plotly.js dicts (fast); plotly itself accepts them and draws the
same chart as the graph objects they replaced."""

import json
from decimal import Decimal

import plotly.graph_objects as go

from qiqing.charts import chart_payload
from visits.charts import survey_figures
from visits.selectors import SurveyPoint


def _series():
    import datetime as dt

    return [
        SurveyPoint(
            "2026年1月", dt.date(2026, 1, 1), headcount=120, vacancies=8, output_yoy=Decimal("-3.50")
        ),
        SurveyPoint("2026年2月", dt.date(2026, 2, 1), headcount=None, vacancies=12, output_yoy=None),
        SurveyPoint("2026年3月", dt.date(2026, 3, 1), headcount=131, vacancies=0, output_yoy=Decimal("6.25")),
    ]


def test_dict_figures_validate_as_plotly_figures_and_give_the_same_payload():
    for key, figure in survey_figures(_series()).items():
        fast = chart_payload(figure, height=220)
        slow = chart_payload(go.Figure(figure), height=220)  # raises on any invalid property
        assert json.loads(json.dumps(fast)) == slow, key


def test_payload_carries_the_house_layout_and_the_default_template():
    payload = chart_payload(survey_figures(_series())["output"], height=220)
    layout = payload["layout"]
    assert (layout["height"], layout["title"]["text"], layout["font"]["size"]) == (
        220,
        "产值/销售同比（%）",
        12,
    )
    assert payload["data"][0]["marker"]["color"] == ["#c62828", "#2e7d32", "#2e7d32"]
    assert "template" not in layout  # one static file for every chart (static/js/plotly-template.js)


def test_building_one_payload_leaves_the_figure_untouched():
    figure = survey_figures(_series())["headcount"]
    before = json.dumps(figure, sort_keys=True)
    chart_payload(figure, height=220)["layout"]["mutated"] = True
    assert json.dumps(figure, sort_keys=True) == before
    assert "mutated" not in chart_payload(figure, height=220)["layout"]
