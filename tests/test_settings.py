"""Settings come from the environment; bad values stop start-up with a message naming the variable."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from qiqing import env

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x7#Qm2!vL9@pR4$wZ8^tN1&kB6*hJ3(dF5)gS0-yU2+cV7=eA4_iO9",
    "ALLOWED_HOSTS": "qiqing.example.gov.cn",
    "DATABASE_URL": "postgres://qiqing:secret@db.internal:5432/qiqing",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "SITE_URL": "https://qiqing.example.gov.cn",
}


def _environment(extra_env: dict) -> dict:
    """This process's environment without anything the test run itself set, plus ``extra_env``."""
    drop = set(PRODUCTION) | {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "CACHE_URL", "PORT"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    clean.update(
        {
            "DJANGO_SETTINGS_MODULE": "qiqing.settings",
            "QIQING_VAR_DIR": "/tmp/qiqing-settings-test",
            **extra_env,
        }
    )
    return clean


def _run(code: str, extra_env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=_environment(extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _load(extra_env: dict) -> subprocess.CompletedProcess:
    return _run("import django; django.setup()", extra_env)


def test_bool_accepts_usual_spellings(monkeypatch):
    monkeypatch.setenv("QQ_FLAG", "Yes")
    assert env.env_bool("QQ_FLAG", False) is True


def test_bool_refuses_other_words_naming_the_variable(monkeypatch):
    monkeypatch.setenv("QQ_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="QQ_FLAG='maybe'"):
        env.env_bool("QQ_FLAG", False)


def test_int_refuses_words_and_out_of_range(monkeypatch):
    monkeypatch.setenv("QQ_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="QQ_N='ten': expected a whole number"):
        env.env_int("QQ_N", 1)
    monkeypatch.setenv("QQ_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env.env_int("QQ_N", 1, minimum=1)


def test_list_refuses_empty_items(monkeypatch):
    monkeypatch.setenv("QQ_HOSTS", "a.example,,b.example")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env.env_list("QQ_HOSTS", [])


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-file\n", encoding="utf-8")
    monkeypatch.setenv("QQ_SECRET_FILE", str(secret))
    assert env.env_str("QQ_SECRET") == "from-file"


def test_missing_secret_file_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv("QQ_SECRET_FILE", str(tmp_path / "nope"))
    with pytest.raises(ImproperlyConfigured, match="QQ_SECRET_FILE"):
        env.env_str("QQ_SECRET")


def test_embedded_default_needs_no_environment():
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG)",
        {},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


def test_production_without_secret_key_fails_clearly():
    result = _load({**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_bad_database_url_fails_clearly():
    result = _load({**PRODUCTION, "DATABASE_URL": "mysq://nobody@host/db"})
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_bad_broker_url_fails_clearly():
    result = _load({**PRODUCTION, "CELERY_BROKER_URL": "amqq://guest@localhost"})
    assert result.returncode != 0 and "CELERY_BROKER_URL" in result.stderr


def test_bad_debug_value_fails_clearly():
    result = _load({"DEBUG": "perhaps"})
    assert result.returncode != 0 and "DEBUG='perhaps'" in result.stderr


def test_production_database_url_is_parsed():
    result = _run(
        "import django; django.setup(); from django.conf import settings as s; d=s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'])",
        PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "db.internal", "5432", "qiqing"]


def test_check_deploy_is_clean_with_production_variables():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(PRODUCTION),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def _check_deploy(extra_env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=_environment(extra_env),
    )


@pytest.mark.parametrize(
    ("site_url", "error"),
    [
        (None, "qiqing.E001"),
        ("http://127.0.0.1:8000", "qiqing.E002"),
        ("http://localhost:8119/", "qiqing.E002"),
        ("http://0.0.0.0", "qiqing.E002"),
        ("qiqing.example.gov.cn", "qiqing.E002"),
    ],
)
def test_check_deploy_fails_without_a_public_site_url(site_url, error):
    production = {k: v for k, v in PRODUCTION.items() if k != "SITE_URL"}
    if site_url is not None:
        production["SITE_URL"] = site_url
    result = _check_deploy(production)
    assert result.returncode != 0
    assert error in result.stderr and "SITE_URL" in result.stderr


def test_site_url_defaults_to_the_port_served_on():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.SITE_URL, s.SITE_URL_SET)"
    result = _run(code, {"PORT": "8123"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["http://127.0.0.1:8123", "False"]
    result = _run(code, {"PORT": "8123", "SITE_URL": "https://qiqing.example.gov.cn/"})
    assert result.stdout.split() == ["https://qiqing.example.gov.cn", "True"]


def test_every_environment_variable_read_is_documented():
    """The README and docker-compose.yml must spell each variable the code reads."""
    result = _run(
        "import django; django.setup(); from qiqing.env import READ_NAMES; print(' '.join(sorted(READ_NAMES)))",
        PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    names = set(result.stdout.split())
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", readme))
    assert names - documented == set()
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"):
        assert name in compose


def test_one_beat_schedule_declared_in_one_place():
    """Every scheduled job is in the one CELERY_BEAT_SCHEDULE literal (the drills' fast-beat
    override then reaches every entry, the nightly clustering included)."""
    from pathlib import Path

    from django.conf import settings as django_settings

    source = (Path(django_settings.BASE_DIR) / "qiqing" / "settings.py").read_text(encoding="utf-8")
    assert source.count("CELERY_BEAT_SCHEDULE[") == 0 and source.count("CELERY_BEAT_SCHEDULE: dict = {") == 1
    assert {
        "compute_snapshots",
        "rank_towns",
        "remind_unvisited",
        "flag_overdue",
        "auto_close",
        "drain_outbox",
        "cluster_problems",
    } <= set(django_settings.CELERY_BEAT_SCHEDULE)


def _setting(name: str, extra_env: dict) -> str:
    done = _run(
        f"import django; django.setup(); from django.conf import settings; print(settings.{name})", extra_env
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_sessions_are_cached_db_on_the_shared_redis_cache_in_production():
    production = {**PRODUCTION, "CACHE_URL": "redis://redis.internal:6379/1"}
    assert _setting("SESSION_ENGINE", production) == "django.contrib.sessions.backends.cached_db"
    assert "RedisCache" in _setting("CACHES['default']['BACKEND']", production)


def test_sessions_stay_in_the_database_without_a_shared_cache():
    assert _setting("SESSION_ENGINE", {}) == "django.contrib.sessions.backends.db"  # embedded default
    assert _setting("SESSION_ENGINE", PRODUCTION) == "django.contrib.sessions.backends.db"  # no CACHE_URL
    assert "LocMemCache" in _setting("CACHES['default']['BACKEND']", {})


@pytest.mark.redis
@pytest.mark.django_db
def test_a_cached_db_session_on_redis_costs_no_session_query(settings, world, client):
    """The production pair for real: after sign-in a page reads the session from Redis, not the
    database, and signing out ends it for every process (the cache entry goes with the row)."""
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CELERY_BROKER_URL"],
            "KEY_PREFIX": "qiqing-test-sessions",
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    client.force_login(world.users["supervisor"])
    url = reverse("notifications")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()  # written through to the database
    client.post(reverse("logout"))
    assert client.get(url).status_code == 302  # signed out everywhere
