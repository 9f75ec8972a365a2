"""Every response carries a Content-Security-Policy; Swagger UI comes from our own static files;
with DJANGO_HTTPS=1, HSTS and a redirect to HTTPS (except the health check)."""

from __future__ import annotations

import re

import pytest

from tests.settings_probe import settings_in_subprocess

POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data: blob:",
    "style-src": "'self' 'unsafe-inline'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'none'",
}


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/accounts/login/", "/api/v1/me/", "/healthz", "/api/docs/"])
def test_every_response_has_the_policy(client, db, path):
    found = directives(client.get(path))
    for name, value in POLICY.items():
        assert found[name] == value
    assert found["script-src"].startswith("'self'")
    assert "unsafe-inline" not in found["script-src"]


def test_an_inline_script_runs_only_with_the_requests_nonce(client, hq_admin):
    client.force_login(hq_admin)
    r = client.get("/customers/import/")
    assert r.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", directives(r)["script-src"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", r.content.decode())
    assert inline and all(f'nonce="{nonce}"' in attributes for attributes in inline)


def test_swagger_ui_is_served_from_our_own_static_files(client, db):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower() and "@latest" not in page
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert any(src.startswith("/static/drf_spectacular_sidecar/") for src in scripts)
    assert all(src.startswith(("/static/", "/api/docs/")) for src in scripts)  # the init script too
    for src in scripts:
        assert client.get(src).status_code == 200


def test_https_deployment_sends_hsts_and_redirects_except_the_health_check(tmp_path):
    run = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), "DJANGO_HTTPS": "1"},
        show=(
            "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT"
        ),
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "31536000 True True ['^healthz$']"
    plain = settings_in_subprocess(
        {"RM_VAR_DIR": str(tmp_path), "DJANGO_HTTPS": "0"},
        show="s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT",
    )
    assert plain.stdout.strip() == "0 False"


def test_the_redirect_spares_the_health_check(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert client.get("/healthz").status_code == 200
    r = client.get("/accounts/login/")
    assert r.status_code == 301 and r["Location"].startswith("https://")
    secure = client.get("/accounts/login/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
