"""The simulator over real HTTP on a free port, and a local receiver standing in for the app."""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from wecom_sim.server import Config, Simulator, serve_in_thread

CORP_ID = "wwtest0000000001"
CONTACT_SECRET = "contact-secret-for-tests"
APP_SECRET = "app-secret-for-tests"
AGENT_ID = "1000002"
TOKEN = "callbackTokenForTests"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


class Receiver:
    """Records every request the simulator pushes and answers `success`."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _record(self, method: str) -> None:
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(
                    {
                        "method": method,
                        "path": url.path,
                        "query": dict(urllib.parse.parse_qsl(url.query)),
                        "body": self.rfile.read(length).decode() if length else "",
                    }
                )
                body = b"success"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                self._record("POST")

            def do_GET(self) -> None:
                self._record("GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/wecom/callback/"


class Client:
    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **query: str) -> dict[str, Any]:
        url = f"{self.base}{path}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.loads(response.read())

    def post(self, path: str, body: dict[str, Any], **query: str) -> dict[str, Any]:
        url = f"{self.base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # control endpoints answer 400 with the errcode body
            return json.loads(error.read())

    def raw(self, path: str) -> bytes:
        with urllib.request.urlopen(f"{self.base}{path}", timeout=5) as response:
            return response.read()

    def token(self, secret: str = CONTACT_SECRET) -> str:
        return self.get("/cgi-bin/gettoken", corpid=CORP_ID, corpsecret=secret)["access_token"]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def sim_config(**overrides: Any) -> Config:
    """The test corp's credentials; the product's tests set the same ones in their settings."""
    values: dict[str, Any] = {
        "corp_id": CORP_ID,
        "contact_secret": CONTACT_SECRET,
        "secret": APP_SECRET,
        "agent_id": AGENT_ID,
        "token": TOKEN,
        "aes_key": AES_KEY,
    }
    return Config(**{**values, **overrides})


@pytest.fixture
def sim(receiver: Receiver) -> Iterator[Client]:
    simulator = Simulator(sim_config(callback=receiver.url))
    server = serve_in_thread(simulator)
    yield Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()
