"""The archive's keys: required and well-formed in the scaled configuration, generated when embedded."""

from __future__ import annotations

import pytest

from tests.settings_probe import settings_in_subprocess

SCALED = {"DATABASE_URL": "postgres://bank@db/rm", "DJANGO_SECRET_KEY": "a-long-enough-secret-key"}
SHOW = "s.ARCHIVE_HMAC_KEY.hex(), s.ARCHIVE_CHECKPOINT_KEY.hex()"


@pytest.mark.parametrize("name", ["ARCHIVE_HMAC_KEY", "ARCHIVE_CHECKPOINT_KEY"])
def test_scaled_without_an_archive_key_refuses_to_start(tmp_path, name):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), **SCALED, name: ""}, show=SHOW)
    assert run.returncode != 0
    assert "ImproperlyConfigured" in run.stderr and f"{name} (or {name}_FILE) is required" in run.stderr


@pytest.mark.parametrize("value", ["short", "z" * 64, "ab" * 33])
def test_scaled_with_a_malformed_checkpoint_key_refuses_to_start(tmp_path, value):
    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), **SCALED, "ARCHIVE_CHECKPOINT_KEY": value}, show=SHOW
    )
    assert run.returncode != 0 and "ARCHIVE_CHECKPOINT_KEY must be 64 hex digits" in run.stderr


def test_scaled_with_one_key_for_both_refuses_to_start(tmp_path):
    same = {"ARCHIVE_HMAC_KEY": "3" * 64, "ARCHIVE_CHECKPOINT_KEY": "3" * 64}
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path), **SCALED, **same}, show=SHOW)
    assert run.returncode != 0 and "must differ" in run.stderr


def test_scaled_reads_the_keys_from_files(tmp_path):
    (tmp_path / "hmac").write_text("4" * 64 + "\n")
    (tmp_path / "sign").write_text("5" * 64)
    files = {
        "ARCHIVE_HMAC_KEY_FILE": str(tmp_path / "hmac"),
        "ARCHIVE_CHECKPOINT_KEY_FILE": str(tmp_path / "sign"),
    }
    run = settings_in_subprocess(
        {
            "RM_VAR_DIR": str(tmp_path),
            **SCALED,
            "ARCHIVE_HMAC_KEY": "",
            "ARCHIVE_CHECKPOINT_KEY": "",
            **files,
        },
        show=SHOW,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["4" * 64, "5" * 64]


def test_the_embedded_default_generates_two_different_keys_readable_by_its_owner(tmp_path):
    run = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path)}, show=SHOW)
    assert run.returncode == 0, run.stderr
    hmac_key, signing_key = run.stdout.split()
    assert len(hmac_key) == 64 and hmac_key != signing_key
    for name in ("archive_hmac_key", "archive_checkpoint_key"):
        assert (tmp_path / name).stat().st_mode & 0o077 == 0
    again = settings_in_subprocess({"RM_VAR_DIR": str(tmp_path)}, show=SHOW)
    assert again.stdout.split() == [hmac_key, signing_key]  # kept, never regenerated
