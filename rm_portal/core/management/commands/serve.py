"""`make run`: migrate, seed an empty database, then serve web, worker and scheduler.

One command for a laptop or the demo. The web runs under gunicorn; a Celery worker
with the beat scheduler embedded takes work from the broker (files under var/, or
Redis when REDIS_URL is set, in which case beat runs as its own process).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rm_portal.org.management.commands.seed_demo import DEFAULT_PASSWORD
from rm_portal.org.seed import PEOPLE


class Command(BaseCommand):
    help = "Serve the app, the API, the background worker and the scheduler."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=settings.SERVE_PORT, help="default: PORT, else 8000")
        parser.add_argument("--host", default=settings.SERVE_HOST, help="default: HOST, else 127.0.0.1")
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: object, port: int, host: str, web_workers: int, **options: object) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        if not User.objects.exists():
            self.stdout.write("empty database: loading the demo (seed_demo) …")
            call_command("seed_demo")
        self._banner(host, port)
        python = sys.executable
        commands = [
            [
                python,
                "-m",
                "gunicorn",
                "rm_portal.wsgi",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
            ],
            [
                python,
                "-m",
                "celery",
                "-A",
                "rm_portal",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-mingle",
                "--without-gossip",
                *([] if settings.REDIS_URL else ["--beat"]),
            ],
        ]
        if settings.REDIS_URL:
            commands.append([python, "-m", "celery", "-A", "rm_portal", "beat", "--loglevel", "INFO"])
        children = [subprocess.Popen(command, cwd=settings.BASE_DIR) for command in commands]

        def stop(*_args: object) -> None:
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed:
            sys.exit(1)

    def _banner(self, host: str, port: int) -> None:
        # Only to print a clickable URL when bound to every interface.
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        lines = [
            "",
            f"RM Portal is starting on http://{shown_host}:{port}/",
            f"  phone web app  http://{shown_host}:{port}/accounts/login/",
            f"  API docs       http://{shown_host}:{port}/api/docs/",
            f"  admin          http://{shown_host}:{port}/admin/",
            f"Demo logins (password: {DEFAULT_PASSWORD}, unless seeded with --password):",
        ]
        lines += [f"  {username:<11} {role.label}" for username, role, *_rest in PEOPLE]
        lines.append("Press Ctrl+C to stop.\n")
        self.stdout.write("\n".join(lines))
