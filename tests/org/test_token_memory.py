"""A token-authenticated request costs one query to sign in (token, user, staff and branch
joined), and none while this process remembers the token; anything that ends or changes the
sign-in in this process is seen by the very next request."""

from __future__ import annotations

import pytest

from rm_portal.org.models import Role
from rm_portal.org.services import staff_deactivate, staff_role_set


@pytest.fixture(autouse=True)
def _memory_on(settings):
    settings.TOKEN_CACHE_SECONDS = 5  # the default; the suite's other tests run with it off


def test_a_remembered_token_signs_in_without_a_query(api, rm01a, django_assert_num_queries):
    client = api(rm01a)
    with django_assert_num_queries(1):  # the token with its user, staff and branch, in one join
        assert client.get("/api/v1/me/").json()["branch"]["code"] == "B01"
    with django_assert_num_queries(0):
        for _ in range(5):
            assert client.get("/api/v1/me/").status_code == 200


def test_with_the_memory_off_every_request_reads_one_row(api, rm01a, settings, django_assert_num_queries):
    settings.TOKEN_CACHE_SECONDS = 0
    client = api(rm01a)
    for _ in range(3):
        with django_assert_num_queries(1):
            assert client.get("/api/v1/me/").status_code == 200


def test_a_role_change_ends_the_remembered_sign_in_at_once(api, rm01a, hq_admin):
    client = api(rm01a)
    assert client.get("/api/v1/me/").json()["role"] == "rm"
    staff_role_set(staff=rm01a.staff, role=Role.BRANCH_LEAD, by=hq_admin)
    assert client.get("/api/v1/me/").status_code == 401  # the role change signed the person out


def test_a_deactivation_is_seen_by_the_next_request(api, rm01a):
    client = api(rm01a)
    assert client.get("/api/v1/me/").status_code == 200
    staff_deactivate(staff=rm01a.staff)
    assert client.get("/api/v1/me/").status_code == 401


def test_two_clients_of_one_token_do_not_share_a_user_object(api, rm01a):
    """Each request gets its own copy of the remembered person: one request's change to
    request.user cannot leak into another's."""
    from rm_portal.org.authentication import ExpiringTokenAuthentication

    key = api(rm01a)._credentials["HTTP_AUTHORIZATION"].split()[1]
    auth = ExpiringTokenAuthentication()
    first, _ = auth.authenticate_credentials(key)
    first.staff.name = "改过的名字"
    second, _ = auth.authenticate_credentials(key)
    assert second.staff.name == "张晓明" and second is not first
