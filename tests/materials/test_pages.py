from __future__ import annotations

import pytest
from django.test import Client

from materials.models import Material, ShareToken
from tests.materials.factories import LAYOUT, customer, layout_post, png_upload, poster, product, script

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_of():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def test_rm_has_the_materials_tab_and_finds_a_script(browser_of, rm01a, hq_admin):
    script(hq_admin, title="大额存单到期提醒")
    script(hq_admin, title="基金定投话术")
    client = browser_of(rm01a)
    html = client.get("/").content.decode()
    assert 'data-tab="materials"' in html
    html = client.get("/materials/", {"q": "存单"}).content.decode()
    assert "大额存单到期提醒" in html and "基金定投话术" not in html


def test_detail_shares_without_javascript(browser_of, rm01a, hq_admin):
    m = script(hq_admin, body="{customer_name}您好，我是{rm_name}")
    client = browser_of(rm01a)
    page = client.get(f"/materials/{m.pk}/").content.decode()
    assert "复制转发文案" in page and "尊敬的客户您好，我是张晓明" in page
    page = client.post(f"/materials/{m.pk}/", {"customer": ""}).content.decode()
    token = ShareToken.objects.get().token
    assert f"http://testserver/s/{token}" in page


def test_detail_explains_a_refusal_and_offers_the_override(browser_of, rm01a, hq_admin):
    m = product(hq_admin, risk_level="R5", allow_override=True)
    c = customer(rm01a, risk_rating="C2")
    client = browser_of(rm01a)
    page = client.post(f"/materials/{m.pk}/", {"customer": c.cust_no}).content.decode()
    assert "低于产品风险等级" in page and 'name="override_reason"' in page
    page = client.post(
        f"/materials/{m.pk}/", {"customer": c.cust_no, "override_reason": "客户确认"}
    ).content.decode()
    assert ShareToken.objects.get().rule == "override" and "/s/" in page


def test_poster_page_and_stats_page(browser_of, rm01a, lead01, hq_admin):
    m = poster(hq_admin)
    page = browser_of(rm01a).get(f"/materials/{m.pk}/poster/").content.decode()
    assert f"/api/v1/materials/{m.pk}/poster.png" in page and "保存图片" in page and "download=" in page
    assert browser_of(rm01a).get("/materials/stats/").status_code == 200
    lead_me = browser_of(lead01).get("/me/").content.decode()
    assert 'data-more="materials"' in lead_me  # the lead's bar is full: 推广 overflows to 我的
    assert "城东支行的转发" in browser_of(lead01).get("/materials/stats/").content.decode()
    assert browser_of(lead01).get(f"/materials/{m.pk}/poster/").status_code == 403


def test_head_office_uploads_a_poster_and_sees_the_preview(browser_of, hq_admin, rm01a, compliance):
    client = browser_of(hq_admin)
    r = client.post(
        "/materials/new/",
        {"kind": "poster", "title": "新年海报", "background": png_upload(), **layout_post(LAYOUT)},
    )
    m = Material.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/materials/{m.pk}/edit/"
    page = client.get(r["Location"]).content.decode()
    assert f"/api/v1/materials/{m.pk}/preview.png" in page
    r = client.post(
        f"/materials/{m.pk}/edit/",
        {"kind": "poster", "title": "新年海报", **layout_post({**LAYOUT, "qr_size": 50})},
    )
    assert r.status_code == 200 and "须在 120 到 1080 之间" in r.content.decode()
    r = client.post(
        f"/materials/{m.pk}/edit/",
        {"kind": "poster", "title": "新年海报 2", "body": "{oops}", **layout_post(LAYOUT)},
    )
    assert "{oops}" in r.content.decode()
    assert Material.objects.get().version == 1
    for user in (rm01a, compliance):
        assert browser_of(user).get("/materials/new/").status_code == 403
    assert browser_of(compliance).get("/materials/").status_code == 403


def test_pages_need_a_login(client):
    assert client.get("/materials/").status_code == 302


def test_today_shows_the_outreach_card(browser_of, rm01a, lead01, compliance, hq_admin):
    from django.test import Client as Visitor

    from materials.services.shares import share_create

    token = share_create(rm=rm01a, material=script(hq_admin)).token
    Visitor(REMOTE_ADDR="10.1.1.1").get(f"/s/{token}")
    page = browser_of(rm01a).get("/").content.decode()
    assert 'data-testid="outreach-card"' in page and "近 7 天推广" in page
    assert 'data-testid="outreach-card"' in browser_of(lead01).get("/").content.decode()
    assert 'data-testid="outreach-card"' not in browser_of(compliance).get("/").content.decode()


def test_saving_the_edit_form_unchanged_keeps_the_publish_window(browser_of, hq_admin, b01):
    import re

    from django.utils import timezone

    m = script(hq_admin, branches=["B01"], tags=["存款"])
    client = browser_of(hq_admin)
    page = client.get(f"/materials/{m.pk}/edit/").content.decode()
    form = dict(re.findall(r'<input type="(?:text|datetime-local|url)" name="(\w+)" value="([^"]*)"', page))
    assert form["publish_from"] == timezone.localtime(m.publish_from).strftime("%Y-%m-%dT%H:%M")
    body = re.search(r'<textarea name="body"[^>]*>\s*([^<]*)</textarea>', page).group(1)
    r = client.post(f"/materials/{m.pk}/edit/", {**form, "kind": "script", "body": body})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.version == 2 and m.publish_from is not None and m.tags == ["存款"]
    assert [b.code for b in m.branches.all()] == ["B01"]


def test_detail_page_in_english(browser_of, rm01a, hq_admin):
    m = script(hq_admin)
    client = browser_of(rm01a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/materials/{m.pk}/").content.decode()
    assert "Copy forward text" in page and "One-tap forward" in page


def test_attachments_are_served_only_to_those_who_may_see_the_material(
    client, rm01a, rm02a, hq_admin, b01, settings, tmp_path
):
    from datetime import timedelta

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from materials.models import Attachment, Material

    settings.MEDIA_ROOT = tmp_path
    material = Material.objects.create(
        kind="news",
        title="城东支行通知",
        body="正文",
        created_by=hq_admin,
        publish_from=timezone.now() - timedelta(days=1),
    )
    material.branches.set([b01])
    attachment = Attachment.objects.create(
        material=material,
        name="说明.pdf",
        content_type="application/pdf",
        size=9,
        file=ContentFile(b"%PDF-1.4\n", name="a.pdf"),
    )
    url = f"/materials/{material.pk}/files/{attachment.pk}"
    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(rm01a)
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert client.get(f"/media/{attachment.file.name}").status_code == 404  # no bare media route
    client.force_login(rm02a)  # another branch: the material is not published for them
    assert client.get(url).status_code == 404


def test_sharing_to_someone_elses_customer_on_the_page_says_so_and_stores_nothing(
    browser_of, rm01a, rm02a, hq_admin
):
    m = script(hq_admin)
    theirs = customer(rm02a, cust_no="C0999")
    page = browser_of(rm01a).post(f"/materials/{m.pk}/", {"customer": theirs.cust_no}).content.decode()
    assert "客户不存在，或不是您管户的客户" in page
    assert not ShareToken.objects.exists()


def test_a_bad_upload_on_the_new_page_is_shown_on_its_field(browser_of, hq_admin):
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = browser_of(hq_admin).post(
        "/materials/new/",
        {
            "kind": "news",
            "title": "资讯",
            "attachments": SimpleUploadedFile("a.pdf", b"MZ\x90\x00" + b"\x00" * 64),
        },
    )
    assert r.status_code == 200
    assert r.context["form"].errors["attachments"] and "可执行" in r.content.decode()
    assert not Material.objects.exists()
