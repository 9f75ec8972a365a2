"""JSON that would exhaust the parser's stack is a clear 400 on every JSON endpoint, signed in or not."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("depth", [33, 1000, 100_000])
def test_deeply_nested_json_is_a_400_even_before_login(anon, depth):
    body = "[" * depth + "]" * depth
    r = anon.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")
    assert r.status_code == 400
    assert "嵌套过深" in r.json()["detail"]


def test_deeply_nested_json_is_a_400_for_a_signed_in_caller(api, rm01a):
    body = '{"text": ' + "[" * 5000 + "]" * 5000 + "}"
    r = api(rm01a).generic("POST", "/api/v1/compliance/check/", body, content_type="application/json")
    assert r.status_code == 400
    assert "嵌套过深" in r.json()["detail"]


def test_nesting_within_the_limit_still_parses(anon):
    body = '{"username": "nobody", "password": "x", "pad": ' + "[" * 30 + "]" * 30 + "}"
    r = anon.generic("POST", "/api/v1/auth/token/", body, content_type="application/json")
    # Parsed: the strict input then names the unknown field instead of a parse error.
    assert r.status_code == 400
    assert "pad" in r.json()


def test_a_broken_body_is_told_in_plain_words_not_python_codec_text(anon):
    r = anon.generic(
        "POST", "/api/v1/auth/token/", b'{"username": "\xff\xfe', content_type="application/json"
    )
    assert r.status_code == 400
    assert r.json() == {"detail": "请求体不是有效的 JSON"}
