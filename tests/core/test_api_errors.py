from __future__ import annotations

import json
import logging

import pytest
from django.test import Client


def test_an_unknown_api_url_is_a_json_404(api, rm01a):
    r = api(rm01a).get("/api/v1/no-such-thing/")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "未找到"}


def test_an_unknown_api_url_is_json_even_without_credentials(anon, db):
    r = anon.get("/api/nothing-here")
    assert r.status_code == 404
    assert r.json()["detail"]


def test_an_unknown_page_is_a_page(client, db):
    r = client.get("/no-such-page/")
    assert r.status_code == 404
    assert r["Content-Type"].startswith("text/html")
    assert "页面不存在" in r.content.decode()


@pytest.mark.urls("tests.core.urls_failing")
def test_an_unexpected_error_in_an_api_view_is_logged_and_answered_as_json(api, rm01a, caplog):
    with caplog.at_level(logging.ERROR, logger="rm_portal.api"):
        r = api(rm01a).get("/api/v1/test/failing/")
    assert r.status_code == 500
    assert r.json() == {"detail": "服务器内部错误，请稍后再试"}
    assert "a bug nobody foresaw" in caplog.text


@pytest.mark.urls("tests.core.urls_failing")
def test_an_unexpected_error_outside_drf_under_api_is_json_too(db):
    client = Client(raise_request_exception=False)
    r = client.get("/api/v1/test/failing-plain/")
    assert r.status_code == 500
    assert r["Content-Type"].startswith("application/json")
    assert r.json()["detail"]


def test_a_body_over_the_request_cap_is_refused_before_it_is_read(anon, db, settings):
    settings.MAX_REQUEST_BYTES = 1024
    r = anon.post("/api/v1/auth/token/", data="x" * 4096, content_type="application/json")
    assert r.status_code == 413
    assert "请求体过大" in r.json()["detail"]


def test_a_json_body_over_the_form_cap_is_a_413(api, rm01a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    body = json.dumps({"username": "a" * 5000, "password": "b"})
    r = api(rm01a).post("/api/v1/auth/token/", data=body, content_type="application/json")
    assert r.status_code == 413
    assert r.json()["detail"] == "请求体过大"


@pytest.mark.urls("tests.core.urls_failing")
def test_too_many_form_fields_is_a_400(api, rm01a, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    r = api(rm01a).post("/api/v1/test/echo/", data={f"f{i}": "x" for i in range(50)}, format="multipart")
    assert r.status_code == 400
    assert r.json()["detail"]


def test_an_unsupported_media_type_is_a_415(api, rm01a):
    r = api(rm01a).post("/api/v1/auth/token/", data="<xml/>", content_type="application/xml")
    assert r.status_code == 415
    assert r.json()["detail"]


def test_the_openapi_schema_and_docs_are_served(anon, db):
    schema = anon.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/me/" in paths and "/api/v1/jobs/{id}/" in paths and "/api/v1/notifications/" in paths
    assert anon.get("/api/docs/").status_code == 200


def test_healthz_reports_the_database(client, db):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", ["/api/v1/opportunities/abc/complete/", "/api/v1/nothing/", "/api/x"])
def test_a_write_to_an_api_url_that_does_not_resolve_is_a_json_404_not_the_csrf_page(db, method, path):
    client = Client(enforce_csrf_checks=True)
    r = getattr(client, method)(path, data="{}", content_type="application/json")
    assert r.status_code == 404
    assert r.json() == {"detail": "未找到"}


def test_a_session_client_without_the_csrf_token_is_told_in_json(db, rm01a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rm01a)
    r = client.post("/api/v1/auth/logout/", data="{}", content_type="application/json")
    assert r.status_code == 403
    assert r["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "CSRF 校验失败：请使用令牌认证，或带上 CSRF 令牌"}


def test_a_page_without_the_csrf_token_still_gets_the_page(db, rm01a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(rm01a)
    r = client.post("/i18n/setlang/", {"language": "en"})
    assert r.status_code == 403
    assert r["Content-Type"].startswith("text/html")


def test_a_missing_object_is_a_chinese_404_that_names_no_internal_model(api, rm01a):
    for path in ("/api/v1/jobs/999999/", "/api/v1/checklists/runs/999999/", "/api/v1/opportunities/999999/"):
        r = api(rm01a).get(path)
        assert r.status_code == 404, path
        assert r.json() == {"detail": "未找到"}, path
