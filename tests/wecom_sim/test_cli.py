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
    assert env["WECOM_SIM_URL"] == url  # head office's demo page talks to it
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


def test_the_state_file_keeps_contacts_across_a_restart(tmp_path):
    from tests.wecom_sim.conftest import AES_KEY, CORP_ID
    from wecom_sim.server import Config, Simulator

    def simulator() -> Simulator:
        return Simulator(
            Config(corp_id=CORP_ID, contact_secret="c", secret="s", agent_id="1", token="t", aes_key=AES_KEY,
                   state_file=tmp_path / "var" / "sim.json")
        )  # fmt: skip

    first = simulator()
    way = first.add_contact_way({"type": 1, "scene": 2, "user": ["rm01a"], "state": "rm:rm01a"})
    added = first.add_customer({"config_id": way["config_id"], "name": "王女士"})
    again = simulator()
    answer = again.externalcontact_get({"external_userid": added["external_userid"]})
    assert answer["follow_user"][0]["state"] == "rm:rm01a"
    assert way["config_id"] in again.state.contact_ways
