from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from rm_portal.org.models import Branch, Staff


def snapshot() -> list[tuple]:
    return list(
        Staff.objects.order_by("employee_no").values_list("user__username", "role", "branch__code", "name")
    )


def test_seed_demo_creates_the_demo_people_of_the_design(db):
    call_command("seed_demo", "--password", "demo-pass-123")
    assert set(Branch.objects.values_list("code", flat=True)) == {"HQ", "B01", "B02"}
    roles = dict(Staff.objects.values_list("user__username", "role"))
    assert roles == {
        "hq_admin": "head_office",
        "lead01": "branch_lead",
        "lead02": "branch_lead",
        "rm01a": "rm",
        "rm01b": "rm",
        "rm02a": "rm",
        "compliance": "compliance",
        "gateway": "gateway",
    }
    assert Staff.objects.get(user__username="lead01").branch.code == "B01"
    assert User.objects.get(username="rm02a").check_password("demo-pass-123")
    assert User.objects.get(username="hq_admin").is_staff


def test_seed_demo_twice_changes_nothing(db):
    call_command("seed_demo", "--password", "demo-pass-123", "--small")
    before = snapshot()
    call_command("seed_demo", "--password", "demo-pass-123", "--small")
    assert snapshot() == before
    assert User.objects.count() == 8


def test_seed_demo_refuses_a_short_password(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", "--password", "short")
    assert User.objects.count() == 0


def test_small_is_passed_to_the_seeders_that_take_it(db, monkeypatch):
    from types import SimpleNamespace

    from rm_portal.org.management.commands import seed_demo

    calls: list[tuple[str, dict]] = []

    def sized(*, password: str, log, small: bool = False) -> None:
        calls.append(("sized", {"small": small}))

    def fixed(*, password: str, log) -> None:
        calls.append(("fixed", {}))

    monkeypatch.setattr(
        seed_demo, "seeders", lambda: [SimpleNamespace(seed=sized), SimpleNamespace(seed=fixed)]
    )
    call_command("seed_demo", "--small", "--password", "demo-pass-123")
    assert calls == [("sized", {"small": True}), ("fixed", {})]
    calls.clear()
    call_command("seed_demo", "--password", "demo-pass-123")
    assert calls == [("sized", {"small": False}), ("fixed", {})]


def test_the_org_demo_is_the_same_people_when_small(db):
    from rm_portal.org.seed import seed

    seed(password="demo-pass-123", log=lambda line: None, small=True)
    assert User.objects.count() == 8
