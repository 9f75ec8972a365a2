"""python -m wecom_sim --port 8011 --callback http://127.0.0.1:8000/wecom/callback/ …"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

from wecom_sim.server import Config, Simulator, SimulatorServer

# Demo credentials, public on purpose (nothing real is behind them): what `manage.py serve`
# gives the simulator and the app when WeCom is not configured.
DEMO_CORP_ID = "wwsim0000000demo1"
DEMO_CONTACT_SECRET = "sim-contact-secret-demo-0000000000000000000"  # noqa: S105
DEMO_SECRET = "sim-app-secret-demo-000000000000000000000000"  # noqa: S105
DEMO_AGENT_ID = "1000002"
DEMO_TOKEN = "simCallbackTokenDemo"  # noqa: S105
# 43 characters of canonical base64 (32 bytes), so any strict decoder accepts it. The same values
# are in rm_portal/core/management/commands/serve.py (the product never imports this package).
DEMO_AES_KEY = "k2I0cHNrZWsyWDFqcm0tcG9ydGFsLXdlY29tLXNpbW8"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m wecom_sim", description="A WeCom server API simulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument(
        "--callback", default="", help="the app's callback URL, e.g. http://127.0.0.1:8000/wecom/callback/"
    )
    parser.add_argument("--corp-id", default=DEMO_CORP_ID)
    parser.add_argument("--contact-secret", default=DEMO_CONTACT_SECRET, help="the 客户联系 secret")
    parser.add_argument("--secret", default=DEMO_SECRET, help="the app's secret (message/send)")
    parser.add_argument("--agent-id", default=DEMO_AGENT_ID)
    parser.add_argument("--token", default=DEMO_TOKEN, help="the callback Token")
    parser.add_argument("--aes-key", default=DEMO_AES_KEY, help="the callback EncodingAESKey (43 characters)")
    parser.add_argument("--public-url", default="", help="the simulator's own URL in qr_code links")
    parser.add_argument("--token-ttl", type=int, default=7200, help="expires_in of issued tokens, seconds")
    parser.add_argument(
        "--transfer-seconds", type=int, default=60, help="a transfer is final after this long"
    )
    parser.add_argument("--state", type=Path, default=None, help="keep the state in this JSON file")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if len(args.aes_key) != 43:
        parser.error("--aes-key must be the 43-character EncodingAESKey")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    config = Config(
        corp_id=args.corp_id,
        contact_secret=args.contact_secret,
        secret=args.secret,
        agent_id=args.agent_id,
        token=args.token,
        aes_key=args.aes_key,
        callback=args.callback,
        public_url=args.public_url.rstrip("/"),
        token_ttl=args.token_ttl,
        transfer_seconds=args.transfer_seconds,
        state_file=args.state,
    )
    server = SimulatorServer((args.host, args.port), Simulator(config), quiet=args.quiet)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    callback = config.callback or "none"
    print(f"WeCom simulator on {config.public_url}/ (corp {config.corp_id}, callback {callback})", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
