"""The WeCom settings come from the environment (rm_portal/settings.py): secrets from files too, and
a malformed value stops start-up naming the variable."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.settings_probe import settings_in_subprocess

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
NAMES = [
    "WECOM_API_BASE",
    "WECOM_CORP_ID",
    "WECOM_CONTACT_SECRET",
    "WECOM_AGENT_ID",
    "WECOM_SECRET",
    "WECOM_CALLBACK_TOKEN",
    "WECOM_CALLBACK_AES_KEY",
    "WECOM_TIMEOUT_SECONDS",
    "WECOM_SIM_URL",
]


def wecom_settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), **env},
        show=f"json.dumps({{name: getattr(s, name) for name in {NAMES!r}}})",
    )


def test_defaults_need_no_variable(tmp_path):
    run = wecom_settings({}, tmp_path)
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    assert values["WECOM_API_BASE"] == "https://qyapi.weixin.qq.com"
    assert values["WECOM_TIMEOUT_SECONDS"] == 5
    assert all(
        values[name] == "" for name in NAMES if name not in ("WECOM_API_BASE", "WECOM_TIMEOUT_SECONDS")
    )


def test_every_secret_can_come_from_a_file(tmp_path):
    files = {}
    for name, value in [
        ("WECOM_CONTACT_SECRET", "contact-from-file"),
        ("WECOM_SECRET", "app-from-file"),
        ("WECOM_CALLBACK_TOKEN", "token-from-file"),
        ("WECOM_CALLBACK_AES_KEY", AES_KEY),
    ]:
        path = tmp_path / name.lower()
        path.write_text(value + "\n")
        files[f"{name}_FILE"] = str(path)
    run = wecom_settings(
        {**files, "WECOM_CORP_ID": "ww123", "WECOM_AGENT_ID": "1000002", "WECOM_TIMEOUT_SECONDS": "8"},
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    values = json.loads(run.stdout)
    assert (values["WECOM_CONTACT_SECRET"], values["WECOM_SECRET"]) == ("contact-from-file", "app-from-file")
    assert (values["WECOM_CALLBACK_TOKEN"], values["WECOM_CALLBACK_AES_KEY"]) == ("token-from-file", AES_KEY)
    assert (values["WECOM_CORP_ID"], values["WECOM_AGENT_ID"], values["WECOM_TIMEOUT_SECONDS"]) == (
        "ww123",
        "1000002",
        8,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WECOM_CALLBACK_AES_KEY", AES_KEY[:42]),
        ("WECOM_CALLBACK_AES_KEY", AES_KEY + "H"),
        ("WECOM_CALLBACK_AES_KEY", AES_KEY[:42] + "!"),
        ("WECOM_API_BASE", "file:///etc/passwd"),
        ("WECOM_SIM_URL", "file:///etc/passwd"),
        ("WECOM_TIMEOUT_SECONDS", "0"),
        ("WECOM_TIMEOUT_SECONDS", "soon"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_it(tmp_path, name, value):
    run = wecom_settings({name: value}, tmp_path)
    assert run.returncode != 0
    assert name in run.stderr


def test_an_unreadable_secret_file_stops_start_up(tmp_path):
    run = wecom_settings({"WECOM_SECRET_FILE": str(tmp_path / "missing")}, tmp_path)
    assert run.returncode != 0 and "WECOM_SECRET_FILE" in run.stderr
