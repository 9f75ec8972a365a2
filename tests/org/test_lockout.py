"""Lockout that a stranger cannot turn against a person or the gateway, and that slows a client
trying one password on many accounts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from rm_portal.org.models import Role
from rm_portal.org.tokens import token_issue
from tests.factories import StaffFactory

TOKEN_URL = "/api/v1/auth/token/"
STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"


def login(client, username: str, password: str, ip: str):
    return client.post(TOKEN_URL, {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


def test_a_strangers_failures_do_not_lock_the_owner_on_another_client(anon, rm01a, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(anon, "rm01a", "bad-guess", STRANGER)
    assert login(anon, "rm01a", password, STRANGER).status_code == 429  # the stranger is locked out
    assert login(anon, "rm01a", password, OWNER).status_code == 200  # the owner is not


def test_tries_during_a_lock_do_not_extend_it(anon, rm01a, password, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            login(anon, "rm01a", "bad-guess", OWNER)
    knock = start + settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    with time_machine.travel(knock, tick=False):
        assert login(anon, "rm01a", "bad-guess", OWNER).status_code == 429
        assert login(anon, "rm01a", password, OWNER).status_code == 429
    # Counted from the failures that caused the lock, not from the knocks during it.
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + timedelta(seconds=1), tick=False):
        assert login(anon, "rm01a", password, OWNER).status_code == 200


def test_spraying_one_password_across_accounts_from_one_client_is_locked(
    anon, rm01a, password, settings, b01
):
    settings.LOGIN_IP_FAILURE_LIMIT = 8
    for n in range(settings.LOGIN_IP_FAILURE_LIMIT):
        r = login(anon, f"someone{n}", "Spring2024!", STRANGER)
        assert r.status_code == (429 if n == settings.LOGIN_IP_FAILURE_LIMIT - 1 else 400)
    # That client is now refused for any account, even with the right password ...
    assert login(anon, "rm01a", password, STRANGER).status_code == 429
    # ... while the account's owner elsewhere is not.
    assert login(anon, "rm01a", password, OWNER).status_code == 200


def test_a_right_password_does_not_reset_a_clients_count_across_accounts(anon, rm01a, password, settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 6
    for n in range(5):
        login(anon, f"someone{n}", "bad-guess", STRANGER)
    assert login(anon, "rm01a", password, STRANGER).status_code == 200  # the sprayer's own account
    assert login(anon, "someone9", "bad-guess", STRANGER).status_code == 429


def test_a_branch_sharing_one_address_survives_several_peoples_typos(anon, rm01a, rm01b, lead01, password):
    for username in ("rm01a", "rm01b", "lead01"):
        login(anon, username, "typo-typo", OWNER)
        login(anon, username, "typo-typo", OWNER)
    assert login(anon, "rm01b", password, OWNER).status_code == 200


def test_the_gateway_cannot_be_locked_out_through_the_password_endpoint(anon, api, gateway, settings):
    key = gateway_key(gateway)
    for _ in range(settings.AXES_FAILURE_LIMIT * 3):
        r = login(anon, "gateway", "bad-guess", STRANGER)
        assert r.status_code == 403
        assert "密钥" in r.json()["detail"]
    assert not AccessAttempt.objects.filter(username="gateway").exists()
    anon.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon.get("/api/v1/me/").json()["role"] == "gateway"


def gateway_key(user) -> str:
    from io import StringIO

    out = StringIO()
    call_command("gateway_key", "--username", user.username, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_the_gateway_key_does_not_lapse_and_a_new_one_replaces_it(anon, gateway, settings):
    old = gateway_key(gateway)
    with time_machine.travel(timezone.now() + settings.TOKEN_TTL * 10, tick=False):
        anon.credentials(HTTP_AUTHORIZATION=f"Token {old}")
        assert anon.get("/api/v1/me/").status_code == 200
    new = gateway_key(gateway)
    anon.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert anon.get("/api/v1/me/").status_code == 401
    anon.credentials(HTTP_AUTHORIZATION=f"Token {new}")
    assert anon.get("/api/v1/me/").status_code == 200


def test_the_gateway_key_stops_when_the_gateway_account_is_deactivated(anon, gateway):
    from rm_portal.org.services import staff_deactivate

    key = gateway_key(gateway)
    staff_deactivate(staff=gateway.staff)
    anon.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert anon.get("/api/v1/me/").status_code == 401


def test_gateway_key_refuses_an_account_that_is_not_the_gateway(rm01a):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("gateway_key", "--username", "rm01a")


def test_a_gateway_made_by_staff_create_has_no_password_at_all(hq):
    from rm_portal.org.services import staff_create

    staff = staff_create(
        username="gw2", password="ignored-pass", role=Role.GATEWAY, branch=hq, employee_no="S2", name="网关2"
    )
    assert not staff.user.has_usable_password()


def test_the_key_is_stored_only_as_a_digest(gateway):
    key = gateway_key(gateway)
    from rm_portal.org.models import GatewayKey

    stored = GatewayKey.objects.get(user=gateway)
    assert key not in stored.digest and len(stored.digest) == 64
    assert token_issue  # the ordinary tokens stay for people
