"""Settings for 企情在线, read from the environment only.

With no environment variables at all this is the *embedded default*: DEBUG on, a SQLite
file under ``var/`` and Celery on kombu's filesystem transport, so ``make run`` works on
a laptop with nothing else installed. Production sets DATABASE_URL (PostgreSQL),
CELERY_BROKER_URL (Redis), SECRET_KEY, ALLOWED_HOSTS and DEBUG=false; a bad value stops
start-up with a message naming the variable (see ``qiqing/env.py``).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from qiqing.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("QIQING_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

_DEV_SECRET = "django-insecure-qiqing-embedded-default-not-for-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else None)
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY: must be set when DEBUG is off (50+ random characters).")
if not DEBUG and (SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("SECRET_KEY: too short or the development key; use 50+ random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS: must list the host names the site is served on when DEBUG is off."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "qiqing.admin_site.QiqingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "csp",
    "qiqing",
    "enterprises",
    "cadres",
    "requests_tracker",
    "groups",
    "visits",
    "analytics",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "qiqing.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "qiqing.signed_in.CachedUserAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "api.middleware.ApiCallLogMiddleware",
    "axes.middleware.AxesMiddleware",
    "qiqing.middleware.ChineseErrorPagesMiddleware",
]

ROOT_URLCONF = "qiqing.urls"
WSGI_APPLICATION = "qiqing.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qiqing.context_processors.navigation",
                # The working-day calendar warning shown to admins on every page.
                "requests_tracker.context_processors.calendar_warning",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
_DEFAULT_DB_URL = f"sqlite:///{VAR_DIR / 'qiqing.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", _DEFAULT_DB_URL)
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r}: {exc} (expected postgres://user:pass@host:5432/name or sqlite:///path)."
    ) from exc
if _db["ENGINE"] not in ("django.db.backends.postgresql", "django.db.backends.sqlite3"):
    raise ImproperlyConfigured(
        f"DATABASE_URL: engine {_db['ENGINE']} is not supported; use PostgreSQL or SQLite."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    # The web process, the Celery worker and beat share one file: wait for locks instead of
    # failing, and take the write lock at BEGIN so two writers queue instead of deadlocking.
    _db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if _db["NAME"] and _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    _db["CONN_HEALTH_CHECKS"] = True
    _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Performance (issue 18): PostgreSQL's JIT compiles any statement the planner prices above
    # jit_above_cost; for an export or a dashboard query at county scale that took 3.5 s for a
    # query that runs in 50 ms. Off per connection; behind PgBouncer (which refuses startup
    # options) set DB_DISABLE_JIT=false and put jit = off in postgresql.conf instead.
    if env_bool("DB_DISABLE_JIT", True):
        _db["OPTIONS"].setdefault("options", "-c jit=off")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if urlsplit(CACHE_URL).scheme not in ("redis", "rediss"):
        raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r}: expected a redis:// URL.")
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Sessions -------------------------------------------------------------------------
# With a shared cache (CACHE_URL, production) a session is read from Redis and written through to
# the database (cached_db): no session query on a signed-in page, and the row survives a Redis
# flush. On the embedded default the cache is per-process memory, which another process would
# not see a logout in, so sessions stay plain database rows there.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if CACHE_URL else "django.contrib.sessions.backends.db"
)

# --- Authentication -------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: lock a username+address pair out after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_int("AXES_PROXY_COUNT", 0, minimum=0)

# --- Internationalisation: Chinese first -------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "qiqing" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = False  # ids in URLs and inputs must stay plain; use |intcomma for display

# --- Static files and uploads ------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise scans it at start-up
# Uploads live outside the static root and are served only through views that check scope.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 10_485_760
QIQING_UPLOAD_MAX_BYTES = env_int("QIQING_UPLOAD_MAX_MB", 10, minimum=1, maximum=100) * 1024 * 1024

# --- Security -------------------------------------------------------------------------
_secure = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _secure)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _secure)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _secure)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if _secure else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", _secure)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", _secure)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "qiqing.views.csrf_failure"

# Content-Security-Policy (django-csp): only the app's own assets. No inline <script>:
# page data reaches JavaScript through {{ value|json_script }} and data-* attributes.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],  # plotly.js injects <style> for its charts
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Email ----------------------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL: set at most one of them to true.")
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "企情在线 <noreply@qiqing.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Public base URL of e-mail and rating (QR code) links. Unset on the embedded run: a page builds
# links from the address it was asked on (qiqing.links.site_url), anything else from 127.0.0.1 and
# the port ``make run`` serves on; ``check --deploy`` fails until production sets it (qiqing.checks).
SITE_URL_SET = bool(env_str("SITE_URL", ""))
SITE_URL = (
    env_str("SITE_URL", "") or f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1, maximum=65535)}"
).rstrip("/")
# DEBUG on still shows the custom Chinese 404/500 pages (the demo is what people judge); set
# QIQING_TECHNICAL_ERRORS=true to see Django's debug pages while developing (qiqing.middleware).
QIQING_TECHNICAL_ERRORS = env_bool("QIQING_TECHNICAL_ERRORS", False)

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_broker_scheme = urlsplit(CELERY_BROKER_URL).scheme
if _broker_scheme not in ("redis", "rediss", "filesystem", "memory"):
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL={CELERY_BROKER_URL!r}: expected redis://host:6379/0 (or filesystem:// for the embedded default)."
    )
if _broker_scheme == "filesystem":
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu keeps its exchange tables here; by default it writes ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Crontab times are Beijing time (CELERY_TIMEZONE). Each key is also the job's name on the
# jobs page (定时任务) and in its run log (JobRun).
CELERY_BEAT_SCHEDULE: dict = {
    "compute_snapshots": {
        "task": "analytics.tasks.compute_snapshots",
        "schedule": crontab(minute=30, hour=0),
    },
    "rank_towns": {
        "task": "analytics.tasks.rank_towns",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    "remind_unvisited": {
        "task": "analytics.tasks.remind_unvisited",
        "schedule": crontab(minute=30, hour=8, day_of_week="mon"),
    },
    "flag_overdue": {"task": "requests_tracker.tasks.flag_overdue", "schedule": crontab(minute="*/15")},
    "auto_close": {"task": "requests_tracker.tasks.auto_close", "schedule": crontab(minute=0, hour=1)},
    "drain_outbox": {"task": "requests_tracker.tasks.drain_outbox", "schedule": crontab(minute="*/5")},
    "cluster_problems": {"task": "analytics.tasks.cluster_problems", "schedule": crontab(minute=30, hour=1)},
    # After auto_close (01:00) so last Sunday's automatic closes are in the week's population.
    "spotcheck": {
        "task": "requests_tracker.tasks.spotcheck",
        "schedule": crontab(minute=30, hour=6, day_of_week="mon"),
    },
}

# A broker that is down or hung must not hold a web request: on Redis, connecting and every
# socket read/write give up after a few seconds, publishing retries once, and callers go
# through qiqing.broker.publish(), which swallows the failure (the Notification row stays in the
# outbox for drain_outbox) and stops trying for a while so a whole outage costs one wait.
QIQING_BROKER_TIMEOUT = 3
CELERY_BROKER_CONNECTION_TIMEOUT = QIQING_BROKER_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
if _broker_scheme in ("redis", "rediss"):
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        socket_connect_timeout=QIQING_BROKER_TIMEOUT,
        socket_timeout=QIQING_BROKER_TIMEOUT,
        # A message taken by a worker that then died (killed, machine lost) goes back to the queue
        # after this many seconds; it must exceed the longest job (a snapshot backfill).
        visibility_timeout=env_int("QIQING_BROKER_VISIBILITY_TIMEOUT", 3600, minimum=5),
    )
# Drills only: run every beat entry every N seconds instead of its crontab (unset in production).
QIQING_BEAT_EVERY_SECONDS = env_int("QIQING_BEAT_EVERY_SECONDS", 0, minimum=0)
if QIQING_BEAT_EVERY_SECONDS:
    for _entry in CELERY_BEAT_SCHEDULE.values():
        _entry["schedule"] = timedelta(seconds=QIQING_BEAT_EVERY_SECONDS)

# --- Forms ----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Logging --------------------------------------------------------------------------
LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "qiqing": {"level": LOG_LEVEL},
        "cadres": {"level": LOG_LEVEL},
        "enterprises": {"level": LOG_LEVEL},
        "visits": {"level": LOG_LEVEL},
        "requests_tracker": {"level": LOG_LEVEL},
        "analytics": {"level": LOG_LEVEL},
        "jieba": {"level": "WARNING"},
    },
}

# --- Programme rules (企情在线 settings) ----------------------------------------------------
# An active cadre holds at most this many active assignments (DESIGN.md §3: 2–10).
QIQING_MAX_ASSIGNMENTS = 10
QIQING_MIN_ASSIGNMENTS = 2
# How often every enterprise should be visited: a calendar month, quarter, half-year or year.
QIQING_VISIT_RHYTHM = env_choice("QIQING_VISIT_RHYTHM", "quarter", ("month", "quarter", "half", "year"))

# Requests lifecycle (诉求全流程).
# Deadlines in working days counted from the day of assignment (DESIGN.md §4).
QIQING_SIGN_DAYS = 1  # 签收
QIQING_CONTACT_DAYS = 3  # first contact with the enterprise (首次联系)
QIQING_ASSIST_DAYS = 3  # assisting units answer the lead unit (协办反馈)
# Working days the enterprise has to rate a response before it closes on its own.
QIQING_RATING_WINDOW_DAYS = 5
# A request returned more than this many times is flagged for the supervisor to decide.
QIQING_RETURN_FLAG_AFTER = 2
# Working days past the response deadline at which each supervision notice is issued.
QIQING_NOTICE_THRESHOLDS = {"reminder": 1, "yellow": 3, "red": 5}
# The no-login rating link (signed, single use) expires after this many days.
QIQING_RATING_LINK_DAYS = 30
QIQING_MAX_ATTACHMENTS = 5
# Give up e-mailing a notification after this many failed attempts (the in-app notice stays).
QIQING_EMAIL_MAX_ATTEMPTS = 5
# Warn admins when a year the working-day calendar does not cover starts within this many days.
QIQING_CALENDAR_WARN_DAYS = 60

# Analytics.
# Window of the weekly town ranking (擂台比武): this kind of period to date, ending on the
# Sunday of the ranked week (week / month / quarter / year).
QIQING_RANKING_WINDOW = "quarter"
# Common problems (共性问题) are clustered from the requests of this many days, nightly.
QIQING_CLUSTER_DAYS = env_int("QIQING_CLUSTER_DAYS", 365, minimum=7, maximum=3660)

# Ledger import (台账导入).
# Largest ledger file accepted by the upload page (100,000 enterprise rows of CSV are about 20 MB;
# bigger files can still be imported with ``manage.py import_ledger``).
QIQING_LEDGER_MAX_BYTES = 50 * 1024 * 1024

# --- Exchange API (REST, issue 16) ------------------------------------------------------------------
# Token-authenticated JSON under /api/v1/ (api app); schema at /api/schema/, docs from static/.
QIQING_API_MAX_BODY_BYTES = 64 * 1024
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ClientPermission"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "企情在线 数据交换接口",
    "DESCRIPTION": "按统一社会信用代码提交与跟踪企业诉求（12345 热线、省级平台等外部系统）。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
LOGGING["loggers"]["api"] = {"level": LOG_LEVEL}
