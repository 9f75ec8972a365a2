from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from rm_portal.org.models import Role, Staff
from rm_portal.org.tokens import token_issue
from tests.factories import PASSWORD, BranchFactory, StaffFactory
from tests.openapi import check_response, checked_operations, operations

IN_CI = os.environ.get("CI", "").lower() == "true"


def need(condition: bool, reason: str) -> None:
    """Skip on a developer machine without the thing; in CI a missing thing is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI requires this to run, but: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_cache_and_language(settings, tmp_path):
    from django.core.cache import cache
    from django.utils import translation

    from compliance.services import lexicon
    from materials.views import _LANDING_PAGES as landing_pages
    from rm_portal.org.authentication import forget_tokens

    cache.clear()
    # Each test's database starts again at lexicon version 0, so a process's memory of "version 1"
    # from an earlier test would be a different lexicon; a real database's version only grows.
    lexicon._current, lexicon._seen = None, None
    forget_tokens()  # the process's memory of signed-in tokens, as after a restart
    # Query counts in tests are the view's own: the sign-in reads its one row on every request.
    # tests/org/test_token_memory.py turns the memory on and tests it.
    settings.TOKEN_CACHE_SECONDS = 0
    landing_pages.clear()
    # Each test's archive starts empty, so its checkpoints (kept outside the database) must too.
    settings.ARCHIVE_CHECKPOINT_DIR = tmp_path / "archive-checkpoints"
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def b01(db):
    return BranchFactory(code="B01", name="城东支行")


@pytest.fixture
def b02(db):
    return BranchFactory(code="B02", name="城西支行")


@pytest.fixture
def hq(db):
    return BranchFactory(code="HQ", name="总行营业部")


def _staff(username: str, role: Role, branch, name: str) -> Staff:
    return StaffFactory(user__username=username, role=role, branch=branch, name=name)


@pytest.fixture
def rm01a(b01):
    return _staff("rm01a", Role.RM, b01, "张晓明").user


@pytest.fixture
def rm01b(b01):
    return _staff("rm01b", Role.RM, b01, "陈静").user


@pytest.fixture
def rm02a(b02):
    return _staff("rm02a", Role.RM, b02, "刘洋").user


@pytest.fixture
def lead01(b01):
    return _staff("lead01", Role.BRANCH_LEAD, b01, "李主任").user


@pytest.fixture
def lead02(b02):
    return _staff("lead02", Role.BRANCH_LEAD, b02, "王主任").user


@pytest.fixture
def hq_admin(hq):
    return _staff("hq_admin", Role.HEAD_OFFICE, hq, "周总行").user


@pytest.fixture
def compliance(hq):
    return _staff("compliance", Role.COMPLIANCE, hq, "赵合规").user


@pytest.fixture
def password() -> str:
    return PASSWORD


class CheckedClient(APIClient):
    """An API client whose every response under /api/v1/ must be one the OpenAPI document describes."""

    def request(self, **kwargs):
        response = super().request(**kwargs)
        path = kwargs.get("PATH_INFO", "")
        if path.startswith("/api/v1/"):
            check_response(kwargs.get("REQUEST_METHOD", "GET").lower(), path, response)
        return response


@pytest.fixture
def anon() -> APIClient:
    return CheckedClient()


@pytest.fixture
def api() -> Callable[..., APIClient]:
    """`api(user)`: a client that authenticates the way a phone app does, with a real token."""

    def make(user=None) -> APIClient:
        client = CheckedClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=user).key}")
        return client

    return make


@pytest.fixture(autouse=True)
def _celery_eager():
    """Unit tests run tasks in-process; tests marked `worker` start a real worker instead."""
    from rm_portal.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


_MARKED = ("browser", "worker", "postgres", "redis")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say plainly which of the environment-dependent parts ran, so CI output shows it."""
    from django.conf import settings as django_settings

    counts = {name: {"passed": 0, "failed": 0, "skipped": 0} for name in _MARKED}
    for outcome in ("passed", "failed", "skipped"):
        for report in terminalreporter.stats.get(outcome, []):
            if report.when != "call" and outcome == "passed":
                continue
            for name in _MARKED:
                if name in report.keywords:
                    counts[name][outcome] += 1
    database = django_settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = django_settings.CELERY_BROKER_URL.split(":", 1)[0]
    parts = ", ".join(
        f"{name} {c['passed']} passed/{c['failed']} failed/{c['skipped']} skipped"
        for name, c in counts.items()
    )
    terminalreporter.write_line(f"environment: database={database} broker={broker}; {parts}")
    unchecked = _unchecked_operations()
    if checked_operations or unchecked:
        terminalreporter.write_line(
            f"openapi: {len(checked_operations)} operations answered 2xx and matched the document; "
            f"{len(unchecked)} were not exercised"
            + "".join(f"\n   not exercised: {method.upper()} {path}" for method, path in unchecked)
        )


def _unchecked_operations() -> list[tuple[str, str]]:
    return sorted(set(operations()) - checked_operations, key=lambda op: (op[1], op[0]))


def pytest_testnodedown(node, error):
    """xdist: the controller collects which operations each worker process checked."""
    for method, path in node.workeroutput.get("openapi_checked", []):
        checked_operations.add((method, path))


def pytest_sessionfinish(session, exitstatus):
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: report to the controller
        workeroutput["openapi_checked"] = sorted(checked_operations)
        return
    # The whole suite must exercise every documented operation with a response that conforms.
    if os.environ.get("RM_REQUIRE_EVERY_OPERATION") == "1" and _unchecked_operations() and exitstatus == 0:
        session.exitstatus = 1
