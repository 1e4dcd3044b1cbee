"""Backup and restore as the README describes them: every request comes back with its full event
history (the same number of events, the same checksum over them), read by a fresh process.

PostgreSQL: ``pg_dump -Fc`` of a seeded demo county, ``pg_restore`` into a new database.
SQLite: the online backup (what ``sqlite3 db ".backup file"`` does) of a database in use.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from analytics.demo import DemoCounty
from requests_tracker.models import Request
from tests import factories as f
from tests.drills import support
from tests.drills.history import fingerprint
from tests.drills.support import ROOT


def _fingerprint_of(tmp_path, database_url: str) -> dict:
    """The fingerprint as a separate Django process sees the database at ``database_url``."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.drills.history"], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=support.app_env(tmp_path, DATABASE_URL=database_url),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _pg(program: str, *args: str) -> None:
    done = subprocess.run(
        [str(support.pg_bindir() / program), *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_pg_dump_restored_into_a_fresh_database_has_every_request_with_its_history(tmp_path):
    support.restore_reference_rows()
    DemoCounty(scale=1, seed=2026, until=timezone.localdate(), months=3).build()
    original = fingerprint()
    url = support.database_url(connection)
    parts = urlsplit(url)
    server = ["-h", parts.hostname, "-p", str(parts.port or 5432), "-U", parts.username]
    restored = f"{connection.settings_dict['NAME']}_restored"
    dump = tmp_path / "qiqing.dump"
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    try:
        _pg("pg_dump", "-Fc", *server, "-d", connection.settings_dict["NAME"], "-f", str(dump))
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}"')
            cursor.execute(f'CREATE DATABASE "{restored}"')
        _pg("pg_restore", "--no-owner", "--exit-on-error", *server, "-d", restored, str(dump))
        copy = _fingerprint_of(tmp_path, url.rsplit("/", 1)[0] + "/" + restored)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        admin.close()
    assert len(original["requests"]) == Request.objects.count() > 1000
    assert original["counts"]["events"] > 10000
    assert copy == original


@pytest.mark.django_db(transaction=True)
def test_sqlite_online_backup_has_every_request_with_its_history(world, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite backup is tested in the SQLite run")
    for n, status in enumerate(["submitted", "assigned", "in_progress", "responded", "closed"]):
        request = f.RequestFactory(enterprise=world.ent_a1, status=status, description=f"诉求 {n}")
        for step in range(n + 1):
            f.RequestEventFactory(
                request=request, action="note", note=f"第 {step} 步", actor=world.users["handler"]
            )
    original = fingerprint()
    backup = tmp_path / "backup.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(backup)
    try:
        connection.connection.backup(target)  # the sqlite3 CLI's .backup uses the same online API
    finally:
        target.close()
    assert os.path.getsize(backup) > 0
    assert _fingerprint_of(tmp_path, f"sqlite:///{backup}") == original
    assert sum(n for _, n, _ in original["requests"].values()) == original["counts"]["events"] == 15
