"""The compliance app's own configuration, read from the environment once (not settings.py)."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from error


# How long the archive is kept. Recorded with every export and in the archive's docs; rows are
# never deleted by the application (a legal hold keeps a conversation past it as well).
RETENTION_YEARS = _int("COMPLIANCE_RETENTION_YEARS", 5)
# Batches above this size are answered 202 and archived by the worker.
SYNC_BATCH = _int("COMPLIANCE_SYNC_BATCH", 500)

# WeCom-style callback (企业微信回调): token, 43-character EncodingAESKey and the corp id.
WECOM_TOKEN = os.environ.get("COMPLIANCE_WECOM_TOKEN", "")
WECOM_AES_KEY = os.environ.get("COMPLIANCE_WECOM_AES_KEY", "")
WECOM_CORP_ID = os.environ.get("COMPLIANCE_WECOM_CORP_ID", "")
if WECOM_AES_KEY and len(WECOM_AES_KEY) != 43:
    raise ImproperlyConfigured("COMPLIANCE_WECOM_AES_KEY must be the 43-character EncodingAESKey")
