"""Head office at 375 px: edits a poster's layout with the form and publishes the draft."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from materials.models import Kind, Material, PosterLayout
from materials.services.materials import material_create
from tests.browser.conftest import login
from tests.materials.factories import LAYOUT, png_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def serious(phone) -> list[str]:
    violations = Axe().run(phone).response["violations"]
    return [v["id"] for v in violations if v["impact"] in ("serious", "critical")]


def test_head_office_edits_a_layout_and_publishes_the_poster(phone, hq_admin, password, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    draft = material_create(
        by=hq_admin,
        kind=Kind.POSTER,
        title="元旦海报",
        body="扫码了解",
        background=png_upload(),
        layout=LAYOUT,
    )
    login(phone, "hq_admin", password)
    phone.wait_for_url(f"{phone.base}/")
    phone.goto(f"{phone.base}/materials/")
    expect(phone.get_by_test_id("state").first).to_have_text("草稿")
    phone.get_by_text("元旦海报").click()
    phone.get_by_role("link", name="编辑").click()
    phone.wait_for_url(f"{phone.base}/materials/{draft.pk}/edit/")
    expect(phone.get_by_test_id("state")).to_have_text("草稿")
    phone.shot("hq-poster-draft")

    # The sketch follows the numbers as they are typed.
    phone.get_by_label("姓名 x").fill("240")
    phone.get_by_label("姓名 颜色").fill("#1f2329")
    sketch_name = phone.locator("[data-testid=layout-sketch] [data-part=name]")
    expect(sketch_name).to_have_attribute("x", "240")
    expect(sketch_name).to_have_attribute("fill", "#1f2329")
    phone.get_by_label("显示电话").uncheck()
    expect(phone.locator("[data-testid=layout-sketch] [data-part=phone]")).to_have_attribute(
        "visibility", "hidden"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.shot("hq-layout-form")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_text("已保存为草稿：客户经理还看不到")).to_be_visible()
    slots = PosterLayout.objects.get().slots
    assert slots["name"] == {"x": 240, "y": 1500, "size": 72, "color": "#1f2329"} and "phone" not in slots

    # Out of range: a clear error on the field, nothing stored, still no serious axe finding.
    phone.get_by_label("二维码边长 px").fill("50")
    phone.get_by_label("职务 字号 px").fill("500")
    # The browser's own min/max check would stop the submit first; the server's words are the test.
    phone.evaluate("document.querySelector('form.form').noValidate = true")
    phone.get_by_test_id("save").click()
    expect(phone.get_by_text("须在 120 到 1080 之间")).to_be_visible()
    expect(phone.get_by_text("须在 12 到 200 之间")).to_be_visible()
    assert PosterLayout.objects.get().qr_size == LAYOUT["qr_size"]
    assert Material.objects.get().version == 2
    assert serious(phone) == []
    phone.shot("hq-layout-errors")

    phone.goto(f"{phone.base}/materials/{draft.pk}/edit/")
    phone.get_by_test_id("publish").click()
    expect(phone.get_by_text("已发布：客户经理现在可以看到并转发")).to_be_visible()
    expect(phone.get_by_test_id("state")).to_have_text("已发布")
    expect(phone.get_by_test_id("withdraw")).to_be_visible()
    assert Material.objects.get().publish_from is not None
    assert serious(phone) == []
    phone.shot("hq-poster-published")
