"""`make run`: migrate, seed an empty database, then serve web, worker and scheduler.

One command for a laptop or the demo. The web runs under gunicorn; a Celery worker
with the beat scheduler embedded takes work from the broker (files under var/, or
Redis when REDIS_URL is set, in which case beat runs as its own process).

When WeCom is not configured (no WECOM_CORP_ID), the bundled WeCom simulator
(`python -m wecom_sim`, demo equipment outside the product) runs as one more child,
and the web and worker get its URL as WECOM_API_BASE with its demo credentials: the
product has no branch for the simulator, it just sees a WeCom host and credentials.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rm_portal.org.management.commands.seed_demo import DEFAULT_PASSWORD
from rm_portal.org.seed import PEOPLE

# The simulator's demo credentials: public on purpose, nothing real is behind them.
SIMULATOR_PORT = 8011
SIMULATOR_CORP_ID = "wwsim0000000demo1"
SIMULATOR_AGENT_ID = "1000002"
SIMULATOR_CREDENTIALS = {
    "WECOM_CONTACT_SECRET": "sim-contact-secret-demo-0000000000000000000",
    "WECOM_SECRET": "sim-app-secret-demo-000000000000000000000000",
    "WECOM_CALLBACK_TOKEN": "simCallbackTokenDemo",
    # 43 characters of canonical base64 (32 bytes).
    "WECOM_CALLBACK_AES_KEY": "k2I0cHNrZWsyWDFqcm0tcG9ydGFsLXdlY29tLXNpbW8",
}


def _free_port(host: str, preferred: int) -> int:
    """The preferred port when nothing listens there, else one the system picks."""
    with socket.socket() as probe:
        # As the simulator's server does, so a connection of its last run in TIME_WAIT is no obstacle.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, preferred))
        except OSError:
            probe.bind((host, 0))
        return int(probe.getsockname()[1])


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
        python = sys.executable
        simulator: list[str] | None = None
        child_env: dict[str, str] | None = None
        simulator_url = ""
        if not settings.WECOM_CORP_ID:
            simulator, child_env, simulator_url = self._simulator(python, host, port)
        self._banner(host, port, simulator_url)
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
        children = []
        if simulator:
            children.append(subprocess.Popen(simulator, cwd=settings.BASE_DIR))
        children += [subprocess.Popen(command, cwd=settings.BASE_DIR, env=child_env) for command in commands]

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

    def _simulator(self, python: str, host: str, port: int) -> tuple[list[str], dict[str, str], str]:
        """The WeCom simulator's command, the web's and worker's environment, and its URL."""
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        sim_port = _free_port(local, SIMULATOR_PORT)
        url = f"http://{local}:{sim_port}"
        credentials = SIMULATOR_CREDENTIALS
        command = [
            python, "-m", "wecom_sim", "--host", local, "--port", str(sim_port), "--quiet",
            "--callback", f"http://{local}:{port}/wecom/callback/",
            "--corp-id", SIMULATOR_CORP_ID, "--agent-id", SIMULATOR_AGENT_ID,
            "--contact-secret", credentials["WECOM_CONTACT_SECRET"], "--secret", credentials["WECOM_SECRET"],
            "--token", credentials["WECOM_CALLBACK_TOKEN"],
            "--aes-key", credentials["WECOM_CALLBACK_AES_KEY"],
            "--state", str(settings.VAR_DIR / "wecom_sim.json"),
        ]  # fmt: skip
        # The children read their settings from the environment, like any deployment.
        env = {
            **os.environ,
            **credentials,
            "WECOM_API_BASE": url,
            "WECOM_SIM_URL": url,  # the head-office demo page that makes the simulator add a customer
            "WECOM_CORP_ID": SIMULATOR_CORP_ID,
            "WECOM_AGENT_ID": SIMULATOR_AGENT_ID,
        }
        return command, env, url

    def _banner(self, host: str, port: int, simulator_url: str = "") -> None:
        # Only to print a clickable URL when bound to every interface.
        shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        lines = [
            "",
            f"RM Portal is starting on http://{shown_host}:{port}/",
            f"  phone web app  http://{shown_host}:{port}/accounts/login/",
            f"  API docs       http://{shown_host}:{port}/api/docs/",
            f"  admin          http://{shown_host}:{port}/admin/",
        ]
        if simulator_url:
            lines.append(f"  WeCom          {simulator_url}/ (the bundled simulator: WECOM_CORP_ID is unset)")
        lines.append(f"Demo logins (password: {DEFAULT_PASSWORD}, unless seeded with --password):")
        lines += [f"  {username:<11} {role.label}" for username, role, *_rest in PEOPLE]
        lines.append("Press Ctrl+C to stop.\n")
        self.stdout.write("\n".join(lines))
