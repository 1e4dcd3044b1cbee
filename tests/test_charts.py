"""Plain-dict charts are checked against plotly.py in tests (QIQING_CHECK_CHARTS): the check
itself must catch what plotly would reject or serialise differently."""

import re
from decimal import Decimal

import pytest

from qiqing.charts import chart_payload, figure


def test_a_valid_plain_figure_passes_and_keeps_the_house_layout():
    payload = chart_payload(figure([{"type": "bar", "x": [1, 2], "y": ["甲", "乙"]}], bargap=0.3), height=200)
    assert payload["layout"]["height"] == 200 and payload["layout"]["bargap"] == 0.3
    assert payload["data"][0]["type"] == "bar"


def test_an_unknown_property_is_refused():
    with pytest.raises(ValueError, match="colour"):
        chart_payload(figure([{"type": "bar", "x": [1], "colour": "red"}]))


@pytest.mark.parametrize(
    "trace, where",
    [
        ({"type": "bar", "x": [Decimal("1.50")], "y": ["甲"]}, ".data[0].x[0]"),  # a string in the page
        ({"type": "bar", "x": [1], "y": ["甲"], "text": [3]}, ".data[0].text[0]"),  # plotly makes it "3"
    ],
)
def test_a_value_plotly_would_serialise_differently_is_caught(trace, where):
    with pytest.raises(AssertionError, match=rf"at {re.escape(where)}"):
        chart_payload(figure([trace]))


def test_the_check_is_off_outside_tests(settings):
    settings.QIQING_CHECK_CHARTS = False
    payload = chart_payload(figure([{"type": "bar", "x": [1], "y": ["甲"], "text": [3]}]))
    assert payload["data"][0]["text"] == [3]


def test_the_static_template_file_is_plotlys_current_default_template():
    """static/js/plotly-template.js is what every chart is drawn with; regenerate it after a
    plotly upgrade (qiqing.charts.write_template_script)."""
    import json

    import plotly.graph_objects as go

    from qiqing.charts import TEMPLATE_SCRIPT, template_script

    text = TEMPLATE_SCRIPT.read_text(encoding="utf-8")
    assert text == template_script()
    sent = json.loads(text.split("window.QQ_PLOTLY_TEMPLATE = ", 1)[1].rstrip().rstrip(";"))
    assert sent == json.loads(go.Figure().to_json())["layout"]["template"]
