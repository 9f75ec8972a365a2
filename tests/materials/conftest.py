from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads and cached posters go to a fresh directory per test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    from materials import posters

    posters._background.cache_clear()
    posters._background_plan.cache_clear()
    yield
    posters._background.cache_clear()
    posters._background_plan.cache_clear()
