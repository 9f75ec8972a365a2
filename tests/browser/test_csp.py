"""The Content-Security-Policy blocks nothing of ours: the pages with inline scripts (carrying the
request's nonce) and Swagger UI (self-hosted) run without a single violation; a script without
the nonce is refused."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def violations(page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda m: found.append(m.text) if "Content Security Policy" in m.text else None)
    return found


def test_head_offices_pages_with_inline_scripts_run_under_the_policy(phone, hq_admin, password):
    found = violations(phone)
    login(phone, "hq_admin", password)
    for path in ("/customers/import/", "/checklists/setup/templates/new/", "/api/docs/"):
        phone.goto(f"{phone.base}{path}")
        phone.wait_for_load_state("networkidle")
    assert phone.locator(".swagger-ui").count() == 1  # Swagger UI started from our static files
    assert found == []


def test_a_script_without_the_nonce_is_refused(phone, rm01a, password):
    found = violations(phone)
    login(phone, "rm01a", password)
    phone.goto(f"{phone.base}/me/")
    phone.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
        " document.body.appendChild(s); }"
    )
    assert phone.evaluate("() => window.injected") is None
    assert found  # the browser reported the refusal
