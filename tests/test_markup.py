"""qiqing.markup: the faster format_html and the detail links give exactly Django's markup."""

import pytest
from django.urls import reverse, set_script_prefix
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy

from qiqing.markup import detail_link, html

CASES = [
    ("<td>{}</td>", ["<b>\"甲\" & '乙'</b>"]),
    ("{} · {}", [mark_safe("<i>已转义</i>"), 42]),
    ('<a href="{}">{}</a>', [None, gettext_lazy("待受理")]),
    ("{}{}{}", ["", 3.5, SafeString("&amp;")]),
]


@pytest.mark.parametrize(("template", "args"), CASES)
def test_html_is_format_html(template, args):
    fast = html(template, *args)
    assert fast == format_html(template, *args)
    assert isinstance(fast, SafeString)


@pytest.mark.parametrize("prefix", ["/", "/qiqing/"])
def test_detail_link_is_reverse(prefix):
    set_script_prefix(prefix)
    try:
        for pk in (1, 7, 12345, 2_147_483_647):
            assert detail_link("requests_tracker:detail", pk) == reverse("requests_tracker:detail", args=[pk])
        assert detail_link("requests_tracker:detail", 9).startswith(prefix)
    finally:
        set_script_prefix("/")
