from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.materials.factories import poster, script

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_rm_finds_a_script_copies_it_and_opens_a_poster(phone, rm01a, hq_admin, password, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    found = script(hq_admin, title="大额存单到期提醒", body="{customer_name}您好，我是{branch}的{rm_name}。")
    script(hq_admin, title="基金定投话术")
    card = poster(hq_admin, title="新春理财节海报")
    phone.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=phone.base)

    login(phone, "rm01a", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.click("a[data-tab=materials]")
    phone.get_by_test_id("search").fill("存单")
    phone.get_by_role("button", name="搜索").click()
    phone.get_by_text("大额存单到期提醒").click()
    phone.wait_for_url(f"{phone.base}/materials/{found.pk}/")
    phone.get_by_test_id("copy").click()
    phone.get_by_test_id("copy-status").filter(has_text="已复制").wait_for()
    text = phone.get_by_test_id("share-text").input_value()
    assert text.startswith("尊敬的客户您好，我是城东支行的张晓明。\n")
    assert f"{phone.base}/s/" in text
    assert phone.evaluate("navigator.clipboard.readText()") == text
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("rm01a-material-copied")

    phone.goto(f"{phone.base}/materials/{card.pk}/")
    phone.get_by_test_id("open-poster").click()
    image = phone.get_by_test_id("poster")
    image.wait_for()
    # expect(), not wait_for_function("…"): a string predicate is eval'd in the page, which the CSP forbids.
    expect(image).to_have_js_property("naturalWidth", 1080)
    assert phone.get_by_test_id("save").get_attribute("download")
    shot = phone.shot("rm01a-poster")
    assert Image.open(io.BytesIO(shot.read_bytes())).width == 750
