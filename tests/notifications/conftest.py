"""A WeCom-compatible HTTP endpoint on loopback for the delivery tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest


class FakeWeCom(BaseHTTPRequestHandler):
    """A WeCom-compatible HTTP endpoint on loopback, answering like the real API does."""

    calls: list[tuple[str, dict]] = []
    send_errcode = 0
    failing_sends = 0  # this many sends answer HTTP 503 before WeCom "recovers"
    held: threading.Event | None = None  # set: each send waits for it, and `sending` says one waits
    sending = threading.Event()

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        FakeWeCom.calls.append(("gettoken", {k: v[0] for k, v in query.items()}))
        self._answer({"errcode": 0, "errmsg": "ok", "access_token": "TOKEN-1", "expires_in": 7200})

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        body = json.loads(self.rfile.read(length))
        token = parse_qs(urlparse(self.path).query)["access_token"][0]
        FakeWeCom.calls.append(("send", {"token": token, **body}))
        if FakeWeCom.held is not None:
            FakeWeCom.sending.set()
            FakeWeCom.held.wait(timeout=30)
        if FakeWeCom.failing_sends:
            FakeWeCom.failing_sends -= 1
            self.send_error(503, "Service Unavailable")
            return
        self._answer(
            {"errcode": FakeWeCom.send_errcode, "errmsg": "ok" if not FakeWeCom.send_errcode else "bad"}
        )

    def _answer(self, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def wecom(settings):
    FakeWeCom.calls = []
    FakeWeCom.send_errcode = 0
    FakeWeCom.failing_sends = 0
    FakeWeCom.held = None
    FakeWeCom.sending = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWeCom)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WECOM_API_BASE = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WECOM_CORP_ID, settings.WECOM_SECRET, settings.WECOM_AGENT_ID = "corp", "secret", "1000002"
    yield FakeWeCom
    server.shutdown()
