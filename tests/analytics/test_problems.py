"""共性问题: the clustering (jieba + TF-IDF), the job that stores it, the scoped pages, recomputing
on demand with a progress page."""

import datetime as dt
import subprocess
import sys

import pytest
from django.urls import reverse
from django.utils import timezone

from analytics import clustering, services
from analytics.models import ProblemCluster, ProblemClusterMember
from qiqing.models import BackgroundJob, JobRun
from tests import factories as f
from tests.analytics.helpers import assert_sheet_matches, count_queries, login_redirect, workbook

pytestmark = pytest.mark.django_db

LIST = reverse("analytics:problems")

HIRING = [
    "春节后返岗率不高，一线普工缺口约{n}人，希望协助对接劳务输出地招工。",
    "节后普工返岗少，缺口{n}人，请帮忙对接劳务输出地招工。",
    "一线普工招工难，春节后缺口{n}人，希望对接劳务输出地。",
]
SCHOOLING = [
    "外来务工员工子女{n}人需在本地就读小学，请协调入学名额。",
    "员工子女{n}人就读小学缺入学名额，希望协调。",
    "外来务工人员子女入学名额不足，{n}人需就读小学。",
]
POWER = ["新增生产线需要增容{n}千伏安，请协调供电部门。"]


def _items(texts, category, start_id=1, enterprises=None):
    out = []
    for i, text in enumerate(texts):
        out.append(
            clustering.Item(
                request_id=start_id + i,
                category_id=category,
                enterprise_id=(enterprises or (lambda i: 100 + i))(i),
                text=text.format(n=10 + i),
            )
        )
    return out


# --- the algorithm ------------------------------------------------------------------------------------


def test_the_domain_dictionary_keeps_terms_whole():
    words = clustering.words("外来务工员工子女需在本地就读，子女就学问题，请协调增容和环评。")
    assert "子女就学" in words and "增容" in words and "环评" in words and "外来务工" in words
    assert "协调" not in words and "请" not in words  # stop-words carry no meaning here


def test_numbers_do_not_decide_similarity():
    assert clustering.normalise("缺口 20 人") == clustering.normalise("缺口 35 人")


def test_similar_requests_cluster_and_different_ones_do_not():
    items = _items(HIRING * 2, 1) + _items(SCHOOLING * 2, 1, start_id=100) + _items(POWER, 1, start_id=200)
    clusters = clustering.cluster_items(items)
    sets = sorted(sorted(c.request_ids) for c in clusters)
    assert sets == [list(range(1, 7)), list(range(100, 106))]
    hiring = next(c for c in clusters if 1 in c.request_ids)
    assert "招工" in hiring.keywords or "劳务输出地" in hiring.keywords
    assert hiring.representative in hiring.request_ids and hiring.enterprises == 6


def test_a_problem_of_one_enterprise_is_not_common():
    items = _items(HIRING * 2, 1, enterprises=lambda i: 7)
    assert clustering.cluster_items(items) == []


def test_clustering_is_deterministic():
    items = _items(HIRING * 3 + SCHOOLING * 2, 1) + _items(SCHOOLING + POWER * 3, 2, start_id=50)
    first = clustering.cluster_items(items)
    again = clustering.cluster_items(list(reversed(items)))
    assert [(c.request_ids, c.representative, c.keywords) for c in first] == [
        (c.request_ids, c.representative, c.keywords) for c in again
    ]


def test_categories_are_clustered_apart():
    items = _items(HIRING * 2, 1) + _items(HIRING * 2, 2, start_id=50)
    assert sorted(c.category_id for c in clustering.cluster_items(items)) == [1, 2]


def test_rarer_texts_beyond_the_core_join_the_nearest_problem():
    items = _items(HIRING * 3, 1) + _items(SCHOOLING, 1, start_id=100)
    clusters = clustering.cluster_items(items, clustering.Settings(max_texts=2))
    hiring = next(c for c in clusters if 1 in c.request_ids)
    assert len(hiring.request_ids) == 9  # the third wording joined the clustered two


def test_jieba_is_quiet():
    code = (
        "from analytics import clustering; clustering.tokenizer.cache_clear(); "
        "print(clustering.words('春节后招工难'))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr == "" and "招工难" in done.stdout


# --- the job -------------------------------------------------------------------------------------------


@pytest.fixture
def problems(world):
    """Hiring problems in both towns, schooling in 甲镇 only, one unrelated request."""
    hiring = f.CategoryFactory(name="招工用工")
    schooling = f.CategoryFactory(name="子女就学")
    now = timezone.now()
    enterprises_a = [world.ent_a1, world.ent_a2, world.ent_a3]
    for i, text in enumerate(HIRING * 2):
        enterprise = enterprises_a[i % 3] if i < 4 else world.ent_b1
        f.RequestFactory(
            enterprise=enterprise,
            category=hiring,
            description=text.format(n=20 + i),
            lead_unit=world.unit_hr,
            submitted_at=now - dt.timedelta(days=i + 1),
        )
    for i, text in enumerate(SCHOOLING * 2):
        f.RequestFactory(
            enterprise=enterprises_a[i % 3],
            category=schooling,
            description=text.format(n=5 + i),
            lead_unit=world.unit_edu,
            submitted_at=now - dt.timedelta(days=i + 2),
        )
    f.RequestFactory(
        enterprise=world.ent_b1, category=schooling, description="厂区门口道路破损。", status="rejected"
    )
    services.problem_clusters_compute()
    return world


def test_the_job_stores_the_problems(problems):
    clusters = list(ProblemCluster.objects.order_by("-size"))
    assert [(c.category.name, c.size) for c in clusters] == [("招工用工", 6), ("子女就学", 6)]
    hiring = clusters[0]
    assert hiring.members.count() == 6 and hiring.enterprises == 4
    assert hiring.representative_id in hiring.members.values_list("request_id", flat=True)
    assert hiring.window_end == timezone.localdate()


def test_rerunning_the_job_gives_the_same_problems(problems):
    def snapshot():
        return sorted(
            (c.label, c.size, sorted(c.members.values_list("request_id", flat=True)), c.representative_id)
            for c in ProblemCluster.objects.all()
        )

    before = snapshot()
    services.problem_clusters_compute()
    assert snapshot() == before and ProblemClusterMember.objects.count() == 12


def _ids():
    return dict(ProblemCluster.objects.values_list("category__name", "pk"))


def test_a_problem_keeps_its_id_and_link_across_recomputes(login, problems):
    before = _ids()
    services.problem_clusters_compute()
    assert _ids() == before  # the same requests: the same ids
    # Two more hiring requests join the problem: it grows and keeps its id (and its bookmark).
    hiring = f.CategoryFactory(name="招工用工")
    for i, enterprise in enumerate([problems.ent_a1, problems.ent_b1]):
        f.RequestFactory(
            enterprise=enterprise,
            category=hiring,
            description=HIRING[i].format(n=40 + i),
            lead_unit=problems.unit_hr,
            submitted_at=timezone.now() - dt.timedelta(hours=3),
        )
    services.problem_clusters_compute()
    after = _ids()
    assert after["招工用工"] == before["招工用工"]
    assert ProblemCluster.objects.get(pk=after["招工用工"]).size == 8
    client = login(problems.users["supervisor"])
    assert client.get(reverse("analytics:problem", args=[before["招工用工"]])).status_code == 200


def test_a_problem_that_is_gone_takes_its_id_with_it(login, problems):
    before = _ids()
    # The schooling requests are rejected as out of scope: that problem no longer exists.
    from requests_tracker.models import Request

    Request.objects.filter(category__name="子女就学").update(status="rejected")
    services.problem_clusters_compute()
    assert _ids() == {"招工用工": before["招工用工"]}
    client = login(problems.users["supervisor"])
    assert client.get(reverse("analytics:problem", args=[before["子女就学"]])).status_code == 404
    assert ProblemClusterMember.objects.count() == 6


def test_the_nightly_command_logs_its_run(problems, capsys):
    from django.core.management import call_command

    call_command("cluster_problems")
    run = JobRun.objects.get(name="cluster_problems")
    assert run.ok and run.counts["clusters"] == 2 and run.trigger == "command"
    assert "共性问题 2 个" in capsys.readouterr().out


# --- the pages -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, problems):
    cluster = ProblemCluster.objects.first()
    assert login_redirect(client.get(LIST))
    assert login_redirect(client.get(reverse("analytics:problem", args=[cluster.pk])))


@pytest.mark.parametrize("persona", ["handler", "cadre", "contact"])
def test_other_roles_are_refused(login, problems, persona):
    cluster = ProblemCluster.objects.first()
    client = login(problems.users[persona])
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("analytics:problem", args=[cluster.pk])).status_code == 403


def test_the_county_sees_every_problem_with_its_towns_and_units(login, problems):
    page = login(problems.users["supervisor"]).get(LIST).context["page"]
    rows = {row.values["category"]: row.values for row in page.table.rows}
    assert rows["招工用工"]["size"] == 6 and rows["招工用工"]["towns"] == "甲镇 4、乙镇 2"
    assert rows["招工用工"]["units"] == "人力社保局 6"
    assert rows["子女就学"]["towns"] == "甲镇 6"


def test_a_town_supervisor_sees_only_their_towns_requests(login, problems):
    client = login(problems.users["town_supervisor"])
    page = client.get(LIST).context["page"]
    assert [(row.values["category"], row.values["size"], row.values["towns"]) for row in page.table.rows] == [
        ("招工用工", 2, "乙镇 2")
    ]
    schooling = ProblemCluster.objects.get(category__name="子女就学")
    assert client.get(reverse("analytics:problem", args=[schooling.pk])).status_code == 404
    hiring = ProblemCluster.objects.get(category__name="招工用工")
    detail = client.get(reverse("analytics:problem", args=[hiring.pk]))
    assert {row.values["town"] for row in detail.context["page"].table.rows} == {"乙镇"}
    assert "甲一精密机械有限公司" not in detail.content.decode()


def test_a_problem_lists_its_requests(login, problems):
    hiring = ProblemCluster.objects.get(category__name="招工用工")
    response = login(problems.users["supervisor"]).get(reverse("analytics:problem", args=[hiring.pk]))
    refs = [row.data["request"] for row in response.context["page"].table.rows]
    assert len(refs) == 6 and "data-chart" not in response.content.decode()
    assert set(refs) == set(hiring.members.values_list("request__ref", flat=True))


def test_filters(login, problems):
    client = login(problems.users["supervisor"])
    by_town = client.get(LIST, {"town": problems.town_b.pk}).context["page"].table.rows
    assert [row.values["category"] for row in by_town] == ["招工用工"]
    schooling = f.CategoryFactory(name="子女就学")
    by_category = client.get(LIST, {"category": schooling.pk}).context["page"].table.rows
    assert [row.values["size"] for row in by_category] == [6]


def test_exports_equal_the_tables(login, problems):
    client = login(problems.users["supervisor"])
    page = client.get(LIST).context["page"]
    assert_sheet_matches(workbook(client.get(LIST, {"format": "xlsx"}))["共性问题"], page.table)
    hiring = ProblemCluster.objects.get(category__name="招工用工")
    url = reverse("analytics:problem", args=[hiring.pk])
    detail = client.get(url).context["page"]
    sheets = workbook(client.get(url, {"format": "xlsx"}))
    assert_sheet_matches(sheets[detail.table.title[:31]], detail.table)


def test_recompute_needs_a_post_by_county_staff(login, problems):
    url = reverse("analytics:problems_recompute")
    assert login(problems.users["supervisor"]).get(url).status_code == 405
    assert login(problems.users["town_supervisor"]).post(url).status_code == 403
    assert login(problems.users["cadre"]).post(url).status_code == 403
    assert not BackgroundJob.objects.exists()


def test_recompute_runs_as_a_job_with_a_progress_page(login, problems, django_capture_on_commit_callbacks):
    client = login(problems.users["supervisor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:problems_recompute"))
    job = BackgroundJob.objects.get()
    assert response.url == reverse("job", args=[job.pk])
    assert job.status == "done" and job.result["clusters"] == 2 and job.total == 2 and job.done == 2
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status == {
        "status": "done",
        "status_label": "已完成",
        "percent": 100,
        "done": 2,
        "total": 2,
        "message": job.message,
        "finished": True,
    }
    page = client.get(response.url).content.decode()
    assert "2 个共性问题" in page and reverse("analytics:problems") in page
    assert JobRun.objects.get(name="cluster_problems").trigger == "manual"


def test_query_count_does_not_grow_with_the_data(login, problems):
    client = login(problems.users["supervisor"])
    hiring = ProblemCluster.objects.get(category__name="招工用工")
    detail = reverse("analytics:problem", args=[hiring.pk])
    client.get(LIST)
    small = (count_queries(client, LIST), count_queries(client, detail))
    category = f.CategoryFactory(name="用电用能")
    for i in range(12):
        enterprise = f.EnterpriseFactory(town=problems.town_a if i % 2 else problems.town_b)
        f.RequestFactory(enterprise=enterprise, category=category, description=POWER[0].format(n=i))
        f.RequestFactory(
            enterprise=enterprise,
            category=hiring.category,
            description=HIRING[i % 3].format(n=i),
            lead_unit=problems.unit_hr,
        )
    services.problem_clusters_compute()
    hiring = ProblemCluster.objects.get(category__name="招工用工")
    detail = reverse("analytics:problem", args=[hiring.pk])
    assert ProblemCluster.objects.count() == 3
    assert (count_queries(client, LIST), count_queries(client, detail)) == small


def test_keywords_leave_out_parts_of_words_already_taken():
    assert clustering.distinct_words(["噪音扰民", "噪音", "纠纷", "扰民", "周边"], 3) == [
        "噪音扰民",
        "纠纷",
        "周边",
    ]


def test_a_longer_keyword_replaces_its_part():
    assert clustering.distinct_words(["用电", "限电", "用电高峰", "夏季"], 3) == ["用电高峰", "限电", "夏季"]
