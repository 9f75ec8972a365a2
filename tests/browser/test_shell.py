from __future__ import annotations

import pytest

from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rm_logs_in_on_a_phone_and_lands_on_today(phone, rm01a, password):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    assert phone.get_by_test_id("greeting").inner_text() == "张晓明，您好"
    # Nothing wider than the phone: no sideways scrolling at 375 px.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    tabs = phone.locator("nav.tabbar a")
    assert tabs.count() <= 5  # a phone's bottom bar holds five at most
    assert phone.locator("nav.tabbar").is_visible()
    shot = phone.shot("rm01a-today")
    assert shot.stat().st_size > 5_000


def test_wrong_password_shows_the_reason(phone, rm01a):
    login(phone, "rm01a", "not-the-password")
    assert phone.get_by_role("alert").is_visible()
    phone.shot("login-wrong-password")


def test_switch_to_english_and_back(phone, rm01a, password):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=me]")
    phone.wait_for_url(f"{phone.base}/me/")
    phone.shot("rm01a-me")
    phone.get_by_role("button", name="English").click()
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.get_by_test_id("logout").inner_text() == "Log out"
    phone.shot("rm01a-me-english")
    phone.get_by_role("button", name="简体中文").click()
    assert phone.get_by_test_id("logout").inner_text() == "退出登录"


def test_logout_returns_to_login(phone, rm01a, password):
    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=me]")
    phone.get_by_test_id("logout").click()
    phone.wait_for_url(f"{phone.base}/accounts/login/")
