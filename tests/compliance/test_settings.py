"""The compliance settings come from the environment (rm_portal/settings.py) and stop start-up
when malformed, naming the variable."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.settings_probe import settings_in_subprocess

AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def compliance_settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), **env},
        show=(
            "s.COMPLIANCE_RETENTION_YEARS, s.COMPLIANCE_SYNC_BATCH, repr(s.COMPLIANCE_WECOM_TOKEN), "
            "repr(s.COMPLIANCE_WECOM_AES_KEY), repr(s.COMPLIANCE_WECOM_CORP_ID)"
        ),
    )


def test_defaults_need_no_variable_and_leave_the_callback_unconfigured(tmp_path):
    run = compliance_settings({}, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["5", "500", "''", "''", "''"]


def test_values_and_secrets_from_files(tmp_path):
    token, key = tmp_path / "token", tmp_path / "aes"
    token.write_text("tok-from-file\n")
    key.write_text(AES_KEY + "\n")
    run = compliance_settings(
        {
            "COMPLIANCE_RETENTION_YEARS": "10",
            "COMPLIANCE_SYNC_BATCH": "50",
            "COMPLIANCE_WECOM_TOKEN_FILE": str(token),
            "COMPLIANCE_WECOM_AES_KEY_FILE": str(key),
            "COMPLIANCE_WECOM_CORP_ID": "ww123",
        },
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["10", "50", "'tok-from-file'", f"'{AES_KEY}'", "'ww123'"]


def test_malformed_values_stop_start_up_naming_the_variable(tmp_path):
    for name, value in (
        ("COMPLIANCE_SYNC_BATCH", "abc"),
        ("COMPLIANCE_SYNC_BATCH", "-1"),
        ("COMPLIANCE_RETENTION_YEARS", "five"),
        ("COMPLIANCE_RETENTION_YEARS", "0"),
        ("COMPLIANCE_WECOM_AES_KEY", AES_KEY[:42]),
        ("COMPLIANCE_WECOM_AES_KEY", AES_KEY + "H"),
        ("COMPLIANCE_WECOM_AES_KEY", AES_KEY[:42] + "!"),
    ):
        run = compliance_settings({name: value}, tmp_path)
        assert run.returncode != 0, (name, value)
        assert "ImproperlyConfigured" in run.stderr and name in run.stderr, (name, value, run.stderr[-300:])


def test_an_unreadable_secret_file_stops_start_up(tmp_path):
    run = compliance_settings({"COMPLIANCE_WECOM_TOKEN_FILE": str(tmp_path / "missing")}, tmp_path)
    assert run.returncode != 0
    assert "COMPLIANCE_WECOM_TOKEN_FILE" in run.stderr


def test_a_malformed_key_from_a_file_stops_start_up(tmp_path):
    key = tmp_path / "aes"
    key.write_text("too-short\n")
    run = compliance_settings({"COMPLIANCE_WECOM_AES_KEY_FILE": str(key)}, tmp_path)
    assert run.returncode != 0
    assert "COMPLIANCE_WECOM_AES_KEY" in run.stderr
