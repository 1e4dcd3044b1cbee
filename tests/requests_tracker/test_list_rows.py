"""The inbox and triage rows drawn in Python (requests_tracker/templatetags/requests_rows.py) are
the HTML the template loops drew: every branch is rendered both ways and compared, on the real
pages, in Chinese and English."""

import re

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from groups.models import ServiceTeam
from requests_tracker.dispatch.models import DispatchRule
from requests_tracker.models import Request
from tests import factories as f

# The rows exactly as inbox.html and triage.html drew them before the tags.
REFERENCE_INBOX = """{% load i18n requests_tags %}
    <tr{% if obj.is_overdue %} class="table-danger"{% endif %}>
      <td class="qq-nowrap"><a href="{% url 'requests_tracker:detail' obj.pk %}">{{ obj.ref }}</a><div class="d-md-none">{% status_badge obj %}</div></td>
      <td>{{ obj.enterprise.name }}<div class="small text-body-secondary">{{ obj.category.name }}{% if not obj.is_lead %} · {% translate "协办" %}{% endif %}</div></td>
      <td class="d-none d-md-table-cell">{% status_badge obj %}{% if obj.extension_pending %} <span class="badge bg-warning-subtle text-warning-emphasis border border-warning-subtle">{% translate "延期审批中" %}</span>{% endif %}{% if obj.assist_open %} <span class="badge text-bg-warning">{% translate "待协办反馈" %}</span>{% endif %}</td>
      <td class="d-none d-md-table-cell">{% if obj.is_lead %}{% translate "主办" %}{% else %}{% translate "协办" %}{% endif %}</td>
      <td class="small">
        {% if obj.assist_open %}<div>{% translate "协办反馈" context "deadline" %} {% due_date obj.assist_due False obj.deadline_estimated %}</div>{% endif %}
        {% if obj.is_lead and obj.awaiting_sign %}<div>{% translate "签收" context "deadline" %} {% due_date obj.sign_due obj.sign_overdue obj.deadline_estimated %}</div>
        {% elif obj.is_lead and obj.awaiting_contact %}<div>{% translate "联系" context "deadline" %} {% due_date obj.contact_due obj.contact_overdue obj.deadline_estimated %}</div>{% endif %}
        {% if obj.status == 'responded' %}<span class="text-body-secondary">{% translate "待企业评价" %}</span>{% else %}<div>{% translate "答复" context "deadline" %} {% due_date obj.response_due obj.is_overdue obj.deadline_estimated %}</div>{% endif %}
      </td>
    </tr>
"""
REFERENCE_TRIAGE = """{% load i18n groups_tags %}
    <tr>
      <td>{% if not obj.parent_id %}<input class="form-check-input qq-tick" type="checkbox" name="requests" value="{{ obj.pk }}" aria-label="{{ obj.ref }}">{% endif %}</td>
      <td class="qq-nowrap"><a href="{% url 'requests_tracker:detail' obj.pk %}">{{ obj.ref }}</a>{% if obj.flagged %} <span class="badge text-bg-danger" title="{% translate '多次退回，请决定' %}">{% blocktranslate with n=obj.return_count %}退回 {{ n }} 次{% endblocktranslate %}</span>{% elif obj.return_count %} <span class="badge text-bg-light">{% blocktranslate with n=obj.return_count %}退回 {{ n }} 次{% endblocktranslate %}</span>{% endif %}
        {% if obj.parent_id %}<div><span class="badge text-bg-info">{% blocktranslate with ref=obj.parent.ref %}已并入 {{ ref }}{% endblocktranslate %}</span></div>{% endif %}</td>
      <td>{{ obj.enterprise.name }}<div class="small text-body-secondary">{{ obj.enterprise.town.name }} · {{ obj.category.name }} · {{ obj.get_source_display }}</div>{% if obj.team %}<div class="small" data-team-suggestion><span class="badge text-bg-info"><i class="bi bi-people"></i> {% translate "建议转服务小组" %}</span> {{ obj.team.name }}{% if obj.team.leader %}（{% translate "组长" %} {{ obj.team.leader.name }}）{% endif %}{% if obj.team.units.all %} · {% for u in obj.team.units.all %}{{ u.name }}{% if not forloop.last %}、{% endif %}{% endfor %}{% endif %}</div>{% endif %}</td>
      <td class="d-none d-md-table-cell small text-break">{{ obj.description|truncatechars:60 }}</td>
      <td class="d-none d-lg-table-cell small">{% if route %}<span class="text-success"><i class="bi bi-signpost-split"></i> {{ route.why }}</span>{% else %}<span class="text-body-secondary">{% translate "派单目录无此类别，请单独交办" %}</span>{% endif %}
      </td>
      <td class="d-none d-sm-table-cell qq-nowrap small">{{ obj.submitted_at|date:"Y-m-d H:i" }}</td>
    </tr>
"""


def _flat(html: str) -> str:
    """Drop the template's line breaks and indentation (never the spaces inside a line)."""
    return re.sub(r"\s*\n\s*", "", str(html))


def _client(login, user, language):
    client = login(user)
    if language == "en":
        assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    return client


def _reference(source: str, **context) -> str:
    return _flat(Template(source).render(Context(context)))


def _rows(html: str) -> list[str]:
    body = _flat(html).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr.*?</tr>", body)


@pytest.fixture
def inbox_cases(cast):
    cast.enterprise.name = "西塘<精密>机械&有限公司"
    cast.enterprise.save()
    return [
        cast.build_request("assigned"),
        cast.build_request("in_progress", is_overdue=True, deadline_estimated=True),
        cast.build_request("escalated", pending_extension=True),
        cast.build_request("reopened", sign_overdue=True),
        cast.build_request("in_progress", contacted_at=None, contact_overdue=True),
        cast.build_request("responded"),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("role", ["lead", "assist"])
def test_inbox_rows_are_the_html_the_template_drew(cast, login, inbox_cases, role, language):
    response = _client(login, cast.users[role], language).get(reverse("requests_tracker:inbox"))
    page = list(response.context["page_obj"])
    assert len(page) == len(inbox_cases)
    with translation.override(language):
        expected = [_reference(REFERENCE_INBOX, obj=obj) for obj in page]
    drawn = _rows(response.content.decode())
    assert drawn == expected
    html = "".join(drawn)
    assert "西塘&lt;精密&gt;机械&amp;有限公司" in html and "<精密>" not in html
    assert html.count('class="table-danger"') == 1
    if role == "assist":
        assisting = "Assisting" if language == "en" else "协办"
        assert html.count(f'<td class="d-none d-md-table-cell">{assisting}</td>') == len(inbox_cases)
    else:
        assert ("Extension awaiting decision" if language == "en" else "延期审批中") in html


def test_inbox_rows_mark_the_estimated_deadline_and_what_waits(cast, login, inbox_cases):
    rows = _rows(login(cast.users["lead"]).get(reverse("requests_tracker:inbox")).content.decode())
    estimated = next(row for row in rows if inbox_cases[1].ref in row)
    assert estimated.count(">估算</span>") == estimated.count('<span class="qq-nowrap') >= 1
    assert sum(row.count(">估算</span>") for row in rows) == estimated.count(">估算</span>")
    html = "".join(rows)
    assert "待企业评价" in html and "qq-overdue" in html and "待协办反馈" not in html


def _recategorised(request, category):
    Request.objects.filter(pk=request.pk).update(category=category)
    return request


@pytest.fixture
def triage_cases(cast):
    team_cadre = f.CadreFactory(name="张<组长>")
    team = ServiceTeam.objects.create(
        code="T9",
        name="西塘1+2+N服务小组",
        kind=ServiceTeam.Kind.ONE_TWO_N,
        town=cast.town,
        leader=team_cadre,
    )
    team.units.set([cast.lead_unit, cast.assist_unit])
    bare_team = ServiceTeam.objects.create(
        code="T8", name="西塘智囊团", kind=ServiceTeam.Kind.THINK_TANK, town=cast.town
    )
    rule = DispatchRule.objects.create(category=cast.category, lead_unit=cast.lead_unit, time_limit_days=7)
    rule.assist_units.set([cast.assist_unit])
    other = f.CategoryFactory(name="子女入学")
    parent = cast.build_request("submitted", description="长" * 80)
    return [
        parent,
        cast.build_request("submitted", return_count=3, team=team),
        _recategorised(cast.build_request("submitted", return_count=1, team=bare_team), other),
        cast.build_request(
            "submitted", parent=parent, source=Request.Source.HOTLINE, description="<b>重复</b>"
        ),
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_triage_rows_are_the_html_the_template_drew(cast, login, triage_cases, language):
    response = _client(login, cast.users["supervisor"], language).get(reverse("requests_tracker:triage"))
    rows = response.context["rows"]
    assert len(rows) == len(triage_cases)
    with translation.override(language):
        expected = [_reference(REFERENCE_TRIAGE, obj=obj, route=route) for obj, route in rows]
    drawn = _rows(response.content.decode())
    assert drawn == expected
    html = "".join(drawn)
    assert html.count('name="requests"') == 3  # the merged child has no tick box
    assert "张&lt;组长&gt;" in html
    assert "&lt;b&gt;重复&lt;/b&gt;" in html
    assert "长" * 57 in html and "长" * 61 not in html  # cut to 60 characters, the ellipsis included
    assert html.count("data-team-suggestion") == 2 and "badge text-bg-danger" in html


def test_triage_rows_tell_a_route_from_none(cast, login, triage_cases):
    html = "".join(
        _rows(login(cast.users["supervisor"]).get(reverse("requests_tracker:triage")).content.decode())
    )
    assert html.count("按派单目录（招工用工·全县）：县人力社保局牵头，县教育局协办，7个工作日") == 3
    assert html.count("派单目录无此类别，请单独交办") == 1
    assert "已并入 " + triage_cases[0].ref in html and "退回 3 次" in html and "退回 1 次" in html


def _grow_every_triage_branch(cast, n: int, other_category):
    """n more of each kind of triage row: a parent and its merged child, a flagged request routed
    to a team of its own (with a leader and units), a returned one of another category."""
    for i in range(n):
        team = ServiceTeam.objects.create(
            code=f"TQ{n}{i}",
            name=f"服务小组{n}{i}",
            kind=ServiceTeam.Kind.ONE_TWO_N,
            town=cast.town,
            leader=f.CadreFactory(),
        )
        team.units.set([f.UnitFactory(), cast.assist_unit])
        parent = cast.build_request("submitted")
        cast.build_request("submitted", parent=parent, source=Request.Source.HOTLINE)
        cast.build_request("submitted", return_count=3, team=team)
        _recategorised(cast.build_request("submitted", return_count=1), other_category)


def test_triage_rows_read_no_deferred_field_as_rows_grow(cast, login, triage_cases):
    # The queue reads TRIAGE_COLUMNS only: a row reading any other field would cost a query a row.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast.users["supervisor"])
    other = f.CategoryFactory(name="融资需求")
    counts, teams = [], 2  # triage_cases routes two requests to teams
    for n in (1, 6):
        _grow_every_triage_branch(cast, n, other)
        teams += n
        client.get(reverse("requests_tracker:triage"))  # warm the session and the tables
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("requests_tracker:triage"))
        html = response.content.decode()
        assert html.count("data-team-suggestion") == teams and html.count("已并入 ") == 1 + teams - 2
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# The triage desk's side panels exactly as triage.html drew them before the item tags.
REFERENCE_PANELS = {
    "extensions": """{% load i18n %}{% for e in extensions %}<li class="list-group-item"><a href="{% url 'requests_tracker:detail' e.request_id %}">{{ e.request.ref }}</a> {{ e.unit.name }}
        <div class="text-body-secondary">{% blocktranslate with a=e.previous_due|date:"Y-m-d" b=e.proposed_due|date:"Y-m-d" %}{{ a }} 延至 {{ b }}{% endblocktranslate %} · {{ e.reason|truncatechars:40 }}</div></li>
      {% endfor %}""",
    "escalations": """{% load i18n %}{% for e in escalations %}<li class="list-group-item"><a href="{% url 'requests_tracker:detail' e.request_id %}">{{ e.request.ref }}</a> {{ e.request.enterprise.name }}
        <div class="text-body-secondary">{{ e.get_level_display }} · {% blocktranslate with d=e.escalated_at|date:"Y-m-d" %}{{ d }} 上报，等待答复{% endblocktranslate %}</div></li>
      {% endfor %}""",
    "to_close": """{% load i18n %}{% for obj in to_close %}<li class="list-group-item"><a href="{% url 'requests_tracker:detail' obj.pk %}">{{ obj.ref }}</a> {{ obj.enterprise.name }}
        <div class="text-body-secondary">{{ obj.lead_unit.name }} · {% translate "企业评价" %}{{ obj.get_satisfaction_display }}{% if closeout_waits %} · <span class="text-warning-emphasis">{% translate "待县服务企业办销号" context "close-out" %}</span>{% endif %}</div></li>
      {% endfor %}""",
}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_triage_panels_are_the_html_the_template_drew(cast, login, language):
    from requests_tracker.models import ExtensionRequest

    cast.build_request("in_progress", pending_extension=True)
    long_reason = cast.build_request("in_progress", pending_extension=True)
    ExtensionRequest.objects.filter(request=long_reason).update(reason="<需等待>省厅批复" + "。" * 50)
    cast.build_request("escalated")
    cast.build_request("responded_rated")
    cast.build_request("responded_rated", satisfaction="basic")
    response = _client(login, cast.users["supervisor"], language).get(reverse("requests_tracker:triage"))
    page = _flat(response.content.decode())
    context = response.context
    counts = {"extensions": 2, "escalations": 1, "to_close": 2}
    for panel, source in REFERENCE_PANELS.items():
        items = list(context[panel])
        assert len(items) == counts[panel]
        with translation.override(language):
            expected = _reference(source, **{panel: items, "closeout_waits": context["closeout_waits"]})
        assert expected.count("<li") == counts[panel] and expected in page, panel
    # Escaped, and cut to 40 characters (the language's own ellipsis included).
    assert "&lt;需等待&gt;省厅批复" in page and "。" * 50 not in page
