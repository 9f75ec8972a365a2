"""`python -m wecom_sim` as `make run` starts it, with the credentials serve gives the app."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.parse
import urllib.request

from django.conf import settings

from rm_portal.core.management.commands.serve import Command


def test_serve_starts_the_simulator_with_the_credentials_it_gives_the_app(tmp_path):
    command, env, url = Command()._simulator(sys.executable, "127.0.0.1", 8000)
    state = command.index("--state")
    command[state + 1] = str(tmp_path / "sim.json")
    assert env["WECOM_API_BASE"] == url
    assert "--callback" in command
    assert command[command.index("--callback") + 1] == "http://127.0.0.1:8000/wecom/callback/"
    assert len(env["WECOM_CALLBACK_AES_KEY"]) == 43
    process = subprocess.Popen(command, cwd=settings.BASE_DIR, stdout=subprocess.PIPE, text=True)
    try:
        banner = process.stdout.readline()
        assert re.match(rf"WeCom simulator on {re.escape(url)}/", banner), banner
        for secret in (env["WECOM_CONTACT_SECRET"], env["WECOM_SECRET"]):
            query = urllib.parse.urlencode({"corpid": env["WECOM_CORP_ID"], "corpsecret": secret})
            with urllib.request.urlopen(f"{env['WECOM_API_BASE']}/cgi-bin/gettoken?{query}", timeout=5) as r:
                answer = json.loads(r.read())
            assert answer["errcode"] == 0, answer
            assert answer["expires_in"] == 7200
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "sim.json").exists()
