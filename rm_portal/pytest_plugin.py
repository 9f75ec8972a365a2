"""Loaded with `-p rm_portal.pytest_plugin` (pyproject's addopts): prepares var/ the way manage.py
does, before pytest-django loads the settings."""

from __future__ import annotations

from collections.abc import Generator

import pytest

from rm_portal.bootstrap import prepare_embedded


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> Generator[None, None, None]:
    # A wrapper runs before every plain implementation, pytest-django's (which sets Django up) too.
    prepare_embedded()
    return (yield)
