"""Benchmarks for ``make bench``: each ``bench/bench_<name>.py`` module defines

    TITLE = "…"
    def run(ctx: BenchContext) -> list[dict]

returning rows {"benchmark", "measure", "value", "unit", "floor", "goal", "note"} (floor and goal
optional). ``python -m bench [names…]`` runs them, prints one table and writes JSON to
``var/bench/results.json``.

The runner process is not a Django process: a benchmark that times code inside Django runs it
in a child process against the benchmark database with ``ctx.run_inside(module, *args)``, which
expects the child's last line of output to be JSON (see ``bench_metrics``). ``timed(fn)`` gives
the median of repeated runs.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


@dataclass
class BenchContext:
    """Where a run works. ``BENCH_DATABASE_PREFIX`` (default ``qiqing_bench``) names its databases
    (``<prefix>_s50``, ``<prefix>_import``), so several checkouts on one PostgreSQL server do not
    share a county; ``BENCH_PG_ADMIN_URL`` and ``BENCH_REDIS_URL`` say which server and Redis db."""

    scale: int
    pg_admin_url: str = field(
        default_factory=lambda: _env("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    redis_url: str = field(default_factory=lambda: _env("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    database_prefix: str = field(default_factory=lambda: _env("BENCH_DATABASE_PREFIX", "qiqing_bench"))
    notes: list[str] = field(default_factory=list)
    _secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48), repr=False)
    _static_collected: bool = field(default=False, repr=False)

    @property
    def database_name(self) -> str:
        return f"{self.database_prefix}_s{self.scale}"

    @property
    def database_url(self) -> str:
        return self.pg_admin_url.rsplit("/", 1)[0] + "/" + self.database_name

    def env(self, **extra) -> dict:
        """Environment for a subprocess talking to the benchmark database."""
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "CELERY_BROKER_URL": self.redis_url,
                "DJANGO_SETTINGS_MODULE": "qiqing.settings",
                **extra,
            }
        )
        return env

    def manage(self, *args: str, **extra_env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env(**extra_env),
            check=True,
            capture_output=True,
            text=True,
        )

    def ensure_demo_database(self) -> None:
        """Create, migrate and seed the PostgreSQL benchmark database once per scale (kept between runs)."""
        import psycopg2

        conn = psycopg2.connect(self.pg_admin_url)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [self.database_name])
            exists = cursor.fetchone() is not None
            if not exists:
                cursor.execute(f'CREATE DATABASE "{self.database_name}"')
        conn.close()
        self.manage("migrate", "--noinput")
        seeded = self.manage(
            "shell", "-c", "from enterprises.models import Enterprise; print(Enterprise.objects.count())"
        )
        if int(seeded.stdout.strip().splitlines()[-1]) == 0:
            print(
                f"seeding scale {self.scale} into {self.database_name} (once; kept for later runs)…",
                flush=True,
            )
            started = time.monotonic()
            subprocess.run(
                [sys.executable, "manage.py", "seed_demo", "--scale", str(self.scale), "--force"],
                cwd=ROOT,
                env=self.env(),
                check=True,
            )
            self.notes.append(f"seeded scale {self.scale} in {time.monotonic() - started:.0f} s")
            # A freshly bulk-loaded database has no planner statistics until autovacuum gets to it;
            # timings on it would measure bad plans, not the code.
            self.analyze()

    def analyze(self) -> None:
        import psycopg2

        conn = psycopg2.connect(self.database_url)
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        conn.close()

    def production_env(self, **extra) -> dict:
        """``env`` with production settings, as the issue's figures are taken: DEBUG off (no query
        log — it cost a one-day snapshot run a fifth of its time —, the manifest static storage,
        collected once per run into ``var/bench/static``), plain HTTP on loopback (no HTTPS
        redirect, cookies not marked secure, no HSTS), warnings only in the log."""
        settings = {
            "DEBUG": "false",
            "SECRET_KEY": self._secret_key,
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "STATIC_ROOT": str(ROOT / "var" / "bench" / "static"),
            "LOG_LEVEL": "WARNING",
        }
        env = self.env(**{**settings, **extra})
        if not self._static_collected:
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            self._static_collected = True
        return env

    def flush_cache(self) -> None:
        """Empty the benchmark's Redis database before a run that caches on it (``CACHE_URL``):
        every scale's database shares it, and a user id or scope cached from another scale's
        county is someone else's there (the demo cadre's enterprise file answered 404)."""
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()

    def run_inside(self, module: str, *args: str):
        """Run ``python -m module args`` with Django on the benchmark database and production
        settings (``production_env``); return the JSON printed on its last line of output
        (progress may be printed before it)."""
        done = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env=self.production_env(),
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])


def timed(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> tuple[float, object]:
    """Median wall time in seconds of ``repeat`` runs after ``warmup`` runs, and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def timed_together(
    fns: dict[str, Callable[[], object]], repeat: int = 9, warmup: int = 1
) -> tuple[dict, dict]:
    """``timed`` for several functions run in turn, round after round: ({name: median seconds},
    {name: last result}). A ratio between two of them is then measured over the same stretch of
    time — on a shared machine whose speed drifts 20–35 % from one minute to the next, timing
    one function's runs and then the other's compares two different machines."""
    results: dict = {}
    times: dict = {name: [] for name in fns}
    for _ in range(warmup):
        for name, fn in fns.items():
            results[name] = fn()
    for _ in range(repeat):
        for name, fn in fns.items():
            started = time.perf_counter()
            results[name] = fn()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(t) for name, t in times.items()}, results


@contextmanager
def counting_cache_calls() -> Iterator[list[str]]:
    """The calls made on the default cache inside the block — each one a round trip with Redis
    (a call the backend makes inside another, e.g. locmem's ``get_many`` looping over ``get``, is
    part of that one). Inside Django only."""
    from django.core.cache import caches

    backend = caches["default"]
    calls: list[str] = []
    depth = [0]
    names = (
        "get",
        "get_many",
        "get_or_set",
        "set",
        "set_many",
        "add",
        "delete",
        "delete_many",
        "incr",
        "touch",
    )
    originals = {name: getattr(backend, name) for name in names}

    def spy(name):
        def call(*args, **kwargs):
            if not depth[0]:
                calls.append(name)
            depth[0] += 1
            try:
                return originals[name](*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in names:
        setattr(backend, name, spy(name))
    try:
        yield calls
    finally:
        for name in names:
            delattr(backend, name)  # back to the class's methods


@contextmanager
def counting_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block (a wrapper, not the debug log: each request start
    clears that log). Inside Django only."""
    from django.db import connection

    queries: list[str] = []

    def record(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield queries
