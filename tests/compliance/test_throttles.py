"""Per-user throttles on the compose-box check and on message uploads: a caller over the rate is
answered 429 with the one error shape, in Chinese, and other callers are not affected."""

from __future__ import annotations

import pytest

from rm_portal.org.models import Role
from tests.compliance.factories import demo_terms, item
from tests.compliance.test_settings import compliance_settings
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
CHECK = "/api/v1/compliance/check/"
MESSAGES = "/api/v1/compliance/messages/"


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
        }

    return set_rates


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


def test_the_defaults_are_generous_for_an_rm_and_the_gateway(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {
        "compliance_check": "120/min",
        "compliance_ingest": "600/min",
    }


def test_check_over_the_rate_is_429_in_chinese_and_per_user(api, rates, rm01a, rm01b):
    rates(compliance_check="2/min")
    demo_terms()
    client = api(rm01a)
    for _ in range(2):
        assert client.post(CHECK, {"text": "保本"}, format="json").status_code == 200
    r = client.post(CHECK, {"text": "保本"}, format="json")
    assert r.status_code == 429
    assert "限流" in r.json()["detail"] and int(r["Retry-After"]) > 0
    # another RM has a budget of their own
    assert api(rm01b).post(CHECK, {"text": "保本"}, format="json").status_code == 200


def test_uploads_over_the_rate_are_429_and_searches_are_not_counted(api, rates, gateway, rm01a):
    rates(compliance_ingest="2/min")
    gateway_client = api(gateway)
    for _ in range(2):
        r = gateway_client.post(MESSAGES, {"messages": [item("rm01a", "你好")]}, format="json")
        assert r.status_code == 200
    r = gateway_client.post(MESSAGES, {"messages": [item("rm01a", "你好")]}, format="json")
    assert r.status_code == 429 and "限流" in r.json()["detail"]
    rm = api(rm01a)
    for _ in range(3):  # the archive search at the same address is not an upload
        assert rm.get(MESSAGES).status_code == 200
    assert rm.post(MESSAGES, {"messages": [item("rm01a", "早")]}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHECK_RATE", "lots"),
        ("CHECK_RATE", "0/min"),
        ("INGEST_RATE", "120/fortnight"),
        ("INGEST_RATE", "120"),
    ],
)
def test_a_malformed_rate_stops_start_up_naming_the_variable(tmp_path, variable, value):
    run = compliance_settings({variable: value}, tmp_path)
    assert run.returncode != 0 and variable in run.stderr
