"""Test settings: the production settings plus what makes tests fast and self-contained.

The database and broker still come from the environment (SQLite by default; PostgreSQL and
Redis when DATABASE_URL / CELERY_BROKER_URL are set), so CI runs the same suite on both.
"""

import tempfile
from pathlib import Path

from qiqing.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="qiqing-test-media-"))
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Tasks run inline unless a test starts a real worker against a real broker.
CELERY_TASK_ALWAYS_EAGER = True
SECURE_SSL_REDIRECT = False
# Plain-dict charts (qiqing.charts.figure) are checked against plotly.py's own validation and
# serialisation on every render in tests.
QIQING_CHECK_CHARTS = True
