"""A WeCom-compatible HTTP server on loopback that answers from a script."""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

SLOW = "slow"  # a scripted answer: hold the request longer than the client waits, then answer ok
HTTP_503 = "503"
NOT_JSON = "not json"


class ScriptedWeCom(BaseHTTPRequestHandler):
    calls: list[tuple[str, dict[str, str], dict[str, Any] | None]] = []
    script: dict[str, list[Any]] = defaultdict(list)  # path -> answers to give, in order
    tokens_issued = 0
    expires_in = 7200

    def do_GET(self) -> None:
        self._handle(None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(json.loads(self.rfile.read(length)) if length else {})

    def _handle(self, body: dict[str, Any] | None) -> None:
        url = urlparse(self.path)
        query = {key: values[0] for key, values in parse_qs(url.query).items()}
        ScriptedWeCom.calls.append((url.path, query, body))
        queue = ScriptedWeCom.script[url.path]
        answer = queue.pop(0) if queue else None
        if answer == SLOW:
            time.sleep(1.5)
            answer = None
        if answer == HTTP_503:
            self.send_error(503, "Service Unavailable")
            return
        if answer == NOT_JSON:
            self._send(b"<html>gateway error</html>")
            return
        if answer is None and url.path == "/cgi-bin/gettoken":
            ScriptedWeCom.tokens_issued += 1
            answer = {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": f"TOKEN-{ScriptedWeCom.tokens_issued}",
                "expires_in": ScriptedWeCom.expires_in,
            }
        elif answer is None:
            answer = {"errcode": 0, "errmsg": "ok"}
        elif "access_token" not in query and url.path != "/cgi-bin/gettoken":
            answer = {"errcode": 41001, "errmsg": "access_token missing"}
        self._send(json.dumps(answer).encode())

    def _send(self, data: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def wecom_server(settings):
    ScriptedWeCom.calls = []
    ScriptedWeCom.script = defaultdict(list)
    ScriptedWeCom.tokens_issued = 0
    ScriptedWeCom.expires_in = 7200
    server = ThreadingHTTPServer(("127.0.0.1", 0), ScriptedWeCom)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WECOM_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WECOM_CORP_ID = "ww-test-corp"
    settings.WECOM_SECRET = "app-secret"
    settings.WECOM_CONTACT_SECRET = "contact-secret"
    settings.WECOM_AGENT_ID = "1000002"
    yield ScriptedWeCom
    server.shutdown()
    server.server_close()


@pytest.fixture
def simulator(settings):
    """The bundled WeCom simulator over HTTP, with the client configured for its contact API."""
    from tests.wecom_sim.conftest import CONTACT_SECRET, CORP_ID, sim_config
    from wecom_sim.server import Simulator, serve_in_thread

    sim = Simulator(sim_config())
    server = serve_in_thread(sim)
    settings.WECOM_API_BASE = sim.config.public_url
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    yield sim
    server.shutdown()
    server.server_close()


@pytest.fixture
def rm(rm01a):
    """rm01a with the WeCom account the simulator's members use."""
    from rm_portal.org.models import Staff

    Staff.objects.filter(user=rm01a).update(wechat_id="zhangxm")
    return rm01a
