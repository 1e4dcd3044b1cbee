"""Scope is declared once per model: every model reachable by an id in a URL declares it, and no
code outside ``qiqing/scope.py`` and ``qiqing/access.py`` reads the raw scope of a user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from qiqing.scope import Scope, declared, scoped_models

ROOT = Path(settings.BASE_DIR)
RAW = re.compile(r"\b(supervised_town_ids|handler_unit_ids|contact_enterprise_id)\b")
ALLOWED = {ROOT / "qiqing" / "scope.py", ROOT / "qiqing" / "access.py"}
SKIP_DIRS = {".venv", ".tools", "tests", "var", "node_modules", "static", "migrations", "locale"}

# Every URL that carries an object id, and the model that id names. A new URL with an id fails
# ``test_every_url_with_an_id_is_mapped`` until it is listed here — with a scoped model.
ID_URLS = {
    "notification_open": "qiqing.Notification",
    "job": "qiqing.BackgroundJob",
    "job_status": "qiqing.BackgroundJob",
    "job_file": "qiqing.BackgroundJob",
    "enterprises:detail": "enterprises.Enterprise",
    "cadres:detail": "cadres.Cadre",
    "cadres:pairs": "cadres.Cadre",
    "cadres:pairs_add": "cadres.Cadre",
    "cadres:enterprise_pairs": "enterprises.Enterprise",
    "cadres:enterprise_pairs_add": "enterprises.Enterprise",
    "cadres:assignment_end": "cadres.Assignment",
    "visits:detail": "visits.Visit",
    "visits:correct": "visits.Visit",
    "visits:enterprise_file": "enterprises.Enterprise",
    "visits:locate": "visits.Visit",
    "visits:photo": "visits.VisitPhoto",
    "visits:photo_thumb": "visits.VisitPhoto",
    "requests_tracker:detail": "requests_tracker.Request",
    "requests_tracker:rating_link": "requests_tracker.Request",
    "requests_tracker:attachment": "requests_tracker.RequestAttachment",
    "requests_tracker:action": "requests_tracker.Request",
    "requests_tracker:callback": "requests_tracker.Callback",
    "requests_tracker:callback_record": "requests_tracker.Callback",
    "requests_tracker:appeal": "requests_tracker.Request",
    "requests_tracker:appeal_decide": "requests_tracker.RatingAppeal",
    "requests_tracker:unmerge": "requests_tracker.Request",
    "requests_tracker:dispatch_rule": "requests_tracker.DispatchRule",
    "analytics:batch": "requests_tracker.Batch",
    "analytics:coverage_town": "enterprises.Town",
    "analytics:coverage_cadre": "cadres.Cadre",
    "analytics:problem": "analytics.ProblemCluster",
    "analytics:problem_case": "analytics.ProblemCluster",
    "analytics:cadre_record": "cadres.Cadre",
    "analytics:team": "groups.ServiceTeam",
    "analytics:chain": "groups.IndustryChain",
    "groups:team_edit": "groups.ServiceTeam",
    "groups:meetup": "groups.Meetup",
    "groups:meetup_photo": "groups.MeetupPhoto",
}
ID_CONVERTER = re.compile(r"<int:\w+>")


def _id_urls(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("sysadmin"):
                continue  # Django's admin: superusers only, guarded by the admin site itself
            inner = (
                f"{namespace}:{pattern.namespace}"
                if namespace and pattern.namespace
                else (pattern.namespace or namespace)
            )
            yield from _id_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and ID_CONVERTER.search(str(pattern.pattern)):
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_with_an_id_is_mapped():
    found = set(_id_urls())
    assert found, "no URL with an id found: the walk is broken"
    assert found - set(ID_URLS) == set(), "map the new URLs in ID_URLS to their (scoped) model"


@pytest.mark.parametrize("url_name", sorted(ID_URLS))
def test_every_model_named_by_an_id_in_a_url_declares_a_scope(url_name):
    model = apps.get_model(ID_URLS[url_name])
    assert isinstance(declared(model), Scope), f"{model.__name__} declares no scope"
    assert hasattr(model._default_manager, "visible_to")


def test_declarations_name_real_paths():
    """Every declared path resolves on its model (a typo would only show when a role reaches it)."""
    for model in scoped_models():
        scope = declared(model)
        vias = [*scope.town, *scope.enterprise, *scope.cadre, *scope.creator]
        vias += [via for group in scope.units.values() for via in group]
        for via in vias:
            current = model
            for part in filter(None, via.path.split("__")):
                current = current._meta.get_field(part).related_model
        if scope.through:
            assert scope._through_target[0] is not None


def _sources():
    for path in ROOT.rglob("*"):
        if path.suffix not in (".py", ".html") or path in ALLOWED:
            continue
        if SKIP_DIRS & set(path.relative_to(ROOT).parts):
            continue
        yield path


def test_nothing_outside_scope_and_access_reads_the_raw_scope():
    offenders = []
    for path in _sources():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if RAW.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_scan_would_see_an_offender(tmp_path):
    """The pattern matches the ways the attributes are read."""
    assert RAW.search("access.supervised_town_ids") and RAW.search("x = a.handler_unit_ids[0]")
    assert RAW.search("{{ access.contact_enterprise_id }}") and not RAW.search("supervised_towns")
    assert list(_sources()), "the scan finds no source files"
