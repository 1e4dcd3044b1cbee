"""Start the web app, a Celery worker and Celery beat together; Ctrl-C stops all three.

This is what ``make run`` calls. It adds nothing to what the three standard commands do; it
only keeps them in one terminal and makes sure none outlives the others.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat in one terminal (make run)."

    def add_arguments(self, parser):
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args, port, host, **options):
        python = sys.executable
        schedule = settings.CELERY_BEAT_SCHEDULE_FILENAME
        commands = {
            "web": [python, "manage.py", "runserver", f"{host}:{port}", "--noreload"],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "qiqing",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "qiqing",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                schedule,
            ],
        }
        processes = {}
        for name, command in commands.items():
            # Own process group: Ctrl-C reaches this supervisor, which then stops each child once.
            # PORT reaches every child: links the worker writes (e-mails) use this port (SITE_URL unset).
            env = {**os.environ, "PORT": str(port)}
            processes[name] = subprocess.Popen(command, start_new_session=True, env=env)
            self.stdout.write(f"started {name} (pid {processes[name].pid})")
        self.stdout.write(
            self.style.SUCCESS(f"企情在线 running at http://{host}:{port}/ — press Ctrl-C to stop.")
        )

        stopping = False

        def stop(signum=None, frame=None):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        exit_code = 0
        try:
            while not stopping:
                for name, process in processes.items():
                    if process.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with code {process.returncode}; stopping the others."
                        )
                        exit_code = process.returncode or 1
                        stopping = True
                        break
                time.sleep(0.5)
        finally:
            for process in processes.values():
                if process.poll() is None:
                    # The main process only: Celery's warm shutdown stops its own pool children.
                    process.terminate()
            deadline = time.monotonic() + 15
            for process in processes.values():
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            self.stdout.write("stopped web, worker and beat.")
        if exit_code:
            sys.exit(exit_code)
