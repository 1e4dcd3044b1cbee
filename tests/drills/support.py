"""What the fault drills run for real: the app under gunicorn with production settings, Celery
workers and beat, a private redis-server, a private PostgreSQL cluster, an SMTP server that keeps
what it receives, and a small cookie-keeping HTTP client.

Every process is started in its own session and stopped by its own process group, never by name;
the shared PostgreSQL (5432) and Redis (6379) are never stopped or restarted.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import importlib
import os
import re
import secrets
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVER_SECRET_KEY = "drill-" + secrets.token_urlsafe(48)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the drill after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def database_url(connection) -> str:
    """The URL of the database the test process is using (the test database)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def restore_reference_rows() -> None:
    """Put back the rows migrations install (categories, ranking weights): transactional tests
    before this one may have flushed them."""
    from django.apps import apps

    for module, function in (
        ("requests_tracker.migrations.0002_default_categories", "create_categories"),
        ("analytics.migrations.0003_default_ranking_indicators", "install"),
    ):
        getattr(importlib.import_module(module), function)(apps, None)


def app_env(tmp: Path, **extra) -> dict:
    """Production settings (DEBUG off) for a subprocess, over plain HTTP on loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER", "CACHE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="qiqing.settings",
        DEBUG="false",
        SECRET_KEY=SERVER_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        QIQING_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(collected_static()),
        LOG_LEVEL="WARNING",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def collected_static() -> Path:
    """collectstatic once per checkout and change of its static files (DEBUG off serves hashed
    names); a file lock keeps two test processes from writing the same folder at once."""
    checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]
    target = Path(tempfile.gettempdir()) / f"qiqing-drill-static-{os.getuid()}-{checkout}"
    target.parent.mkdir(exist_ok=True)
    with open(f"{target}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = target / "staticfiles.json"
        newest = max(p.stat().st_mtime for p in (ROOT / "static").rglob("*") if p.is_file())
        if not manifest.exists() or manifest.stat().st_mtime < newest:
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            env.update(
                DJANGO_SETTINGS_MODULE="qiqing.settings",
                DEBUG="false",
                SECRET_KEY=SERVER_SECRET_KEY,
                ALLOWED_HOSTS="127.0.0.1",
                STATIC_ROOT=str(target),
                QIQING_VAR_DIR=str(target.parent / f"qiqing-drill-var-{os.getuid()}"),
            )
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
                timeout=300,
            )
    return target


# --- processes ------------------------------------------------------------------------------


class Process:
    """A subprocess in its own session, logged to a file, stopped by its process group."""

    def __init__(self, name: str, args: list[str], *, env: dict, log_dir: Path, cwd: Path = ROOT):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self, tail: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:]

    def kill(self, sig=signal.SIGKILL) -> None:
        """Send ``sig`` to the process group (the process and every child it started)."""
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.popen.wait()
        else:
            # A killed leader may leave children (a prefork pool) behind in its group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGKILL)
        self._log.close()

    def children(self) -> list[int]:
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []


class AppServer(Process):
    """gunicorn serving the app with production settings."""

    def __init__(self, tmp: Path, *, workers: int = 2, threads: int = 1, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "gunicorn", "qiqing.wsgi:application", "--workers", str(workers),
                "--bind", f"127.0.0.1:{self.port}", "--timeout", "60", "--graceful-timeout", "5",
                "--log-level", "warning"]  # fmt: skip
        if threads > 1:
            args += ["--worker-class", "gthread", "--threads", str(threads)]
        super().__init__("gunicorn", args, env=app_env(tmp, **env), log_dir=tmp)
        wait_for(self._ready, timeout=60, what=f"gunicorn on {self.port}\n{self.log()}")

    def _ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"gunicorn exited:\n{self.log()}")
        try:
            with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        return sorted(self.children())


def celery_worker(tmp: Path, name: str, *, pool: str = "solo", queues: str = "celery", **env) -> Process:
    args = [sys.executable, "-m", "celery", "-A", "qiqing", "worker", f"--pool={pool}", "--loglevel=INFO",
            "-n", f"{name}@%h", "-Q", queues, "--without-gossip", "--without-mingle"]  # fmt: skip
    if pool == "prefork":
        args.append("--concurrency=1")
    return Process(name, args, env=app_env(tmp, **env), log_dir=tmp)


def send_task(broker_url: str, name: str, **kwargs) -> None:
    """Send a task by name to ``broker_url`` as beat would. The connection is explicit: Celery
    prefers the CELERY_BROKER_URL of the test run's environment over an app's own broker."""
    from celery import Celery

    sender = Celery("drill-sender")
    with sender.connection_for_write(broker_url) as connection:
        sender.send_task(name, kwargs=kwargs, connection=connection)


def celery_beat(tmp: Path, **env) -> Process:
    schedule = tmp / "celerybeat-schedule"
    args = [sys.executable, "-m", "celery", "-A", "qiqing", "beat", "--loglevel=INFO", "-s", str(schedule)]
    return Process("beat", args, env=app_env(tmp, **env), log_dir=tmp)


class PrivateRedis:
    """A redis-server of the drill's own on a spare port: started, stopped, frozen at will."""

    def __init__(self, tmp: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp / f"redis-{self.port}"
        self.dir.mkdir(exist_ok=True)
        self.log_dir = tmp
        self.process: Process | None = None

    def start(self) -> PrivateRedis:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = Process(
            f"redis-{self.port}",
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)],
            env=dict(os.environ), log_dir=self.log_dir,
        )  # fmt: skip
        wait_for(self.ping, timeout=20, what=f"redis-server on {self.port}")
        return self

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        """SIGSTOP: the port still accepts connections, nothing ever answers (a hung Redis)."""
        self.process.kill(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.kill(signal.SIGCONT)

    def stop(self) -> None:
        if self.process:
            self.thaw()
            self.process.stop()
            self.process = None


def pg_bindir() -> Path:
    """The PostgreSQL server programs (initdb, pg_ctl): QIQING_PG_BINDIR or Debian's layout."""
    configured = os.environ.get("QIQING_PG_BINDIR")
    if configured:
        return Path(configured)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise AssertionError("PostgreSQL server programs not found (set QIQING_PG_BINDIR)")
    return Path(found[-1]).parent


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a spare port, run as the ``postgres`` user when we are
    root (the server refuses to run as root). Never the shared cluster on 5432."""

    def __init__(self):
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="qiqing-drill-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "server.log"
        self.bindir = pg_bindir()
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._pg("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--locale=C.UTF-8", "--no-sync")  # fmt: skip

    def _pg(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise AssertionError(f"{program} failed: {done.stdout}\n{done.stderr}\n{self.server_log()}")

    def server_log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-3000:]
        except (FileNotFoundError, PermissionError):
            return ""

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root}"
        self._pg(
            "pg_ctl", "-D", str(self.data), "-l", str(self.logfile), "-o", options, "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def createdb(self, name: str) -> None:
        self._pg("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# --- SMTP --------------------------------------------------------------------------------------


@dataclass
class Mail:
    to: list[str]
    data: str


@dataclass
class SmtpSink:
    """A local SMTP server accepting every message: what the workers really sent."""

    messages: list[Mail] = field(default_factory=list)

    def __post_init__(self):
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self):
                self.wfile.write(b"220 sink ESMTP\r\n")
                rcpt, data_mode, lines = [], False, []
                for raw in self.rfile:
                    line = raw.decode("utf-8", "replace").rstrip("\r\n")
                    if data_mode:
                        if line == ".":
                            sink.messages.append(Mail(rcpt, "\n".join(lines)))
                            rcpt, data_mode, lines = [], False, []
                            self.wfile.write(b"250 queued\r\n")
                        else:
                            lines.append(line[1:] if line.startswith("..") else line)
                        continue
                    verb = line[:4].upper()
                    if verb in ("HELO", "EHLO"):
                        self.wfile.write(b"250 sink\r\n")
                    elif verb == "RCPT":
                        rcpt.append(re.search(r"<([^>]*)>", line).group(1))
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == "DATA":
                        data_mode = True
                        self.wfile.write(b"354 go ahead\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:  # MAIL, RSET, NOOP
                        self.wfile.write(b"250 ok\r\n")

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def env(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- a browser of sorts -----------------------------------------------------------------------


@dataclass
class Page:
    status: int
    text: str
    headers: dict

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """Keeps cookies like a browser; does not follow redirects (a drill looks at each answer)."""

    def __init__(self, base: str, *, timeout: float = 30):
        self.base = base
        self.timeout = timeout
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    @classmethod
    def logged_in(cls, base: str, user, **kwargs) -> Browser:
        """A session for ``user`` made the way ``Client.force_login`` makes it, signed with the
        server's SECRET_KEY (so no password hashing and no login throttling is involved)."""
        from django.test import Client, override_settings

        with override_settings(SECRET_KEY=SERVER_SECRET_KEY):
            client = Client()
            client.force_login(user)
        browser = cls(base, **kwargs)
        browser.set_cookie("sessionid", client.cookies["sessionid"].value)
        browser.set_cookie("csrftoken", secrets.token_hex(16))  # a CSRF secret of our own choosing
        return browser

    def log_in(self, username: str, password: str) -> Browser:
        """Through the login page, as a person would."""
        form = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        answer = self._open(urllib.request.Request(self.base + "/accounts/login/", data=body.encode()))
        if answer.status != 302:
            raise AssertionError(f"logging in as {username} answered {answer.status}")
        return self

    def set_cookie(self, name: str, value: str) -> None:
        from http.cookiejar import Cookie

        self.jar.set_cookie(
            Cookie(
                0,
                name,
                value,
                None,
                False,
                "127.0.0.1",
                False,
                False,
                "/",
                True,
                False,
                None,
                False,
                None,
                None,
                {},
            )  # fmt: skip
        )

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.jar if c.name == name), "")

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict | list) -> Page:
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        pairs.append(("csrfmiddlewaretoken", self.cookie("csrftoken")))
        body = urllib.parse.urlencode(pairs, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body))

    def _open(self, request) -> Page:
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return Page(
                    response.status, response.read().decode("utf-8", "replace"), dict(response.headers)
                )
        except urllib.error.HTTPError as exc:
            return Page(exc.code, exc.read().decode("utf-8", "replace"), dict(exc.headers))
