from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token

from rm_portal.org.services import staff_deactivate

TOKEN_URL = "/api/v1/auth/token/"


def test_right_password_answers_a_token_that_opens_the_api(anon, rm01a, password):
    r = anon.post(TOKEN_URL, {"username": "rm01a", "password": password}, format="json")
    assert r.status_code == 200
    anon.credentials(HTTP_AUTHORIZATION=f"Token {r.json()['token']}")
    assert anon.get("/api/v1/me/").json()["username"] == "rm01a"


def test_logging_in_twice_keeps_the_other_device_signed_in(anon, rm01a, password):
    first = anon.post(TOKEN_URL, {"username": "rm01a", "password": password}, format="json").json()["token"]
    second = anon.post(TOKEN_URL, {"username": "rm01a", "password": password}, format="json").json()["token"]
    assert first == second


def test_wrong_password_is_a_clear_400(anon, rm01a):
    r = anon.post(TOKEN_URL, {"username": "rm01a", "password": "nope-nope"}, format="json")
    assert r.status_code == 400
    assert r.json() == {"detail": "用户名或密码错误"}


def test_missing_fields_are_named(anon, db):
    r = anon.post(TOKEN_URL, {"username": "rm01a"}, format="json")
    assert r.status_code == 400
    assert "password" in r.json()


def test_unknown_fields_are_refused_not_ignored(anon, rm01a, password):
    r = anon.post(
        TOKEN_URL, {"username": "rm01a", "password": password, "role": "head_office"}, format="json"
    )
    assert r.status_code == 400
    assert r.json() == {"role": ["未知字段"]}


def test_malformed_json_is_a_json_400(anon, db):
    r = anon.post(TOKEN_URL, data='{"username": "rm01a",', content_type="application/json")
    assert r.status_code == 400
    assert r["Content-Type"].startswith("application/json")
    assert "detail" in r.json()


def test_a_json_array_instead_of_an_object_is_a_400(anon, db):
    r = anon.post(TOKEN_URL, data="[1, 2]", content_type="application/json")
    assert r.status_code == 400


def test_overlong_username_is_refused(anon, db):
    r = anon.post(TOKEN_URL, {"username": "x" * 5000, "password": "y"}, format="json")
    assert r.status_code == 400
    assert "username" in r.json()


def test_account_locks_after_repeated_failures_and_says_so(anon, rm01a, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert (
            anon.post(TOKEN_URL, {"username": "rm01a", "password": "bad-guess"}, format="json").status_code
            == 400
        )
    locked = anon.post(TOKEN_URL, {"username": "rm01a", "password": "bad-guess"}, format="json")
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    # While locked, even the right password is refused: that is what a lock means.
    again = anon.post(TOKEN_URL, {"username": "rm01a", "password": password}, format="json")
    assert again.status_code == 429


def test_a_lock_on_one_account_does_not_lock_a_colleague(anon, rm01a, rm01b, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        anon.post(TOKEN_URL, {"username": "rm01a", "password": "bad-guess"}, format="json")
    r = anon.post(TOKEN_URL, {"username": "rm01b", "password": password}, format="json")
    assert r.status_code == 200


def test_a_user_without_a_staff_profile_gets_no_token(anon, db):
    User.objects.create_user("outsider", password="outsider-pass-1")
    r = anon.post(TOKEN_URL, {"username": "outsider", "password": "outsider-pass-1"}, format="json")
    assert r.status_code == 403


@pytest.mark.parametrize(
    "header",
    ["", "Token", "Token not-a-real-token", "Bearer abc", "Token a b"],
)
def test_missing_or_invalid_credentials_answer_401(anon, db, header):
    if header:
        anon.credentials(HTTP_AUTHORIZATION=header)
    r = anon.get("/api/v1/me/")
    assert r.status_code == 401
    assert "detail" in r.json()


def test_an_expired_token_answers_401_and_is_gone(api, rm01a, settings):
    client = api(rm01a)
    Token.objects.filter(user=rm01a).update(
        created=timezone.now() - settings.TOKEN_TTL - timedelta(minutes=1)
    )
    r = client.get("/api/v1/me/")
    assert r.status_code == 401
    assert r.json()["detail"] == "令牌已过期，请重新登录"
    assert not Token.objects.filter(user=rm01a).exists()


def test_logout_revokes_the_token(api, rm01a):
    client = api(rm01a)
    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_a_leaver_can_neither_use_the_old_token_nor_log_in(api, anon, rm01a, password):
    client = api(rm01a)
    staff_deactivate(staff=rm01a.staff)
    assert client.get("/api/v1/me/").status_code == 401
    r = anon.post(TOKEN_URL, {"username": "rm01a", "password": password}, format="json")
    assert r.status_code == 400
