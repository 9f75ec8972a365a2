"""Head office's explicit publish step: draft → published (shown), refused while incomplete."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from materials.models import Kind, Material
from materials.services.materials import material_create
from tests.materials.factories import LAYOUT, png_upload, script

pytestmark = pytest.mark.django_db
URL = "/api/v1/materials/"


def draft_poster(by) -> Material:
    return material_create(
        by=by, kind=Kind.POSTER, title="元旦海报", body="扫码了解", background=png_upload(), layout=LAYOUT
    )


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_new_poster_is_a_draft_the_rm_cannot_see_until_head_office_publishes_it(api, hq_admin, rm01a):
    poster = draft_poster(hq_admin)
    assert api(hq_admin).get(f"{URL}{poster.pk}/").json()["state"] == "draft"
    assert api(rm01a).get(f"{URL}{poster.pk}/").status_code == 404

    r = api(hq_admin).post(f"{URL}{poster.pk}/publish/")
    assert r.status_code == 200 and r.json()["state"] == "published"
    assert r.json()["publish_from"] is not None
    assert api(rm01a).get(f"{URL}{poster.pk}/").json()["state"] == "published"


def test_publishing_twice_is_a_conflict(api, hq_admin):
    poster = draft_poster(hq_admin)
    assert api(hq_admin).post(f"{URL}{poster.pk}/publish/").status_code == 200
    before = Material.objects.get().publish_from
    r = api(hq_admin).post(f"{URL}{poster.pk}/publish/")
    assert r.status_code == 409 and r.json()["detail"] == "这份物料已经发布"
    assert Material.objects.get().publish_from == before


def test_an_incomplete_material_is_refused_naming_what_is_missing(api, hq_admin):
    empty = material_create(by=hq_admin, kind=Kind.SCRIPT, title="年终话术", body="")
    r = api(hq_admin).post(f"{URL}{empty.pk}/publish/")
    assert r.status_code == 400
    assert r.json()["body"] == ["请填写正文"]
    assert "不能发布" in r.json()["detail"]
    assert Material.objects.get().publish_from is None


def test_only_head_office_publishes(api, hq_admin, rm01a, lead01, compliance):
    poster = draft_poster(hq_admin)
    for user in (rm01a, lead01, compliance):
        assert api(user).post(f"{URL}{poster.pk}/publish/").status_code == 403
    assert api(hq_admin).post(f"{URL}999999/publish/").status_code == 404
    assert Material.objects.get().publish_from is None


def test_withdraw_takes_it_off_and_publish_brings_it_back(api, hq_admin, rm01a):
    published = script(hq_admin)
    r = api(hq_admin).post(f"{URL}{published.pk}/withdraw/")
    assert r.status_code == 200 and r.json()["state"] == "withdrawn"
    assert api(rm01a).get(f"{URL}{published.pk}/").status_code == 404
    assert api(hq_admin).post(f"{URL}{published.pk}/withdraw/").status_code == 409
    r = api(hq_admin).post(f"{URL}{published.pk}/publish/")
    assert r.json()["state"] == "published" and r.json()["publish_until"] is None


def test_a_future_publish_time_is_scheduled(api, hq_admin):
    later = script(hq_admin, publish_from=timezone.now() + timedelta(days=2))
    assert api(hq_admin).get(f"{URL}{later.pk}/").json()["state"] == "scheduled"
    # Publishing a scheduled material brings it forward to now.
    assert api(hq_admin).post(f"{URL}{later.pk}/publish/").json()["state"] == "published"


def test_the_edit_page_shows_the_draft_and_publishes_it(hq_admin, rm01a):
    poster = draft_poster(hq_admin)
    client = page_client(hq_admin)
    html = client.get(f"/materials/{poster.pk}/edit/").content.decode()
    assert 'data-testid="state">草稿<' in html and 'data-testid="publish"' in html
    assert "元旦海报" in client.get("/materials/").content.decode()
    assert 'data-testid="state">草稿<' in client.get("/materials/").content.decode()

    r = client.post(f"/materials/{poster.pk}/publish/", follow=True)
    html = r.content.decode()
    assert "已发布：客户经理现在可以看到并转发" in html
    assert 'data-testid="state">已发布<' in html and 'data-testid="withdraw"' in html
    assert page_client(rm01a).get(f"/materials/{poster.pk}/").status_code == 200


def test_the_page_says_why_an_incomplete_material_is_not_published(hq_admin):
    empty = material_create(by=hq_admin, kind=Kind.NEWS, title="行业快讯", body="")
    client = page_client(hq_admin)
    assert "发布前还需补齐" in client.get(f"/materials/{empty.pk}/edit/").content.decode()
    html = client.post(f"/materials/{empty.pk}/publish/", follow=True).content.decode()
    assert "物料还不完整，不能发布：请填写正文" in html
    assert Material.objects.get().publish_from is None


def test_saving_a_new_material_says_it_is_still_a_draft(hq_admin):
    r = page_client(hq_admin).post(
        "/materials/new/", {"kind": "script", "title": "春节话术", "body": "您好"}, follow=True
    )
    assert "已保存为草稿：客户经理还看不到" in r.content.decode()


def test_the_publish_page_is_head_office_only(hq_admin, rm01a):
    poster = draft_poster(hq_admin)
    assert page_client(rm01a).post(f"/materials/{poster.pk}/publish/").status_code == 403
    assert page_client(hq_admin).get(f"/materials/{poster.pk}/publish/").status_code == 405
    assert Material.objects.get().publish_from is None


def test_head_office_today_lists_the_drafts_until_they_are_published(hq_admin, rm01a):
    poster = draft_poster(hq_admin)
    client = page_client(hq_admin)
    html = client.get("/").content.decode()
    assert 'data-testid="drafts-card"' in html and "1 份物料还是草稿" in html
    assert f"/materials/{poster.pk}/edit/" in html
    assert 'data-testid="drafts-card"' not in page_client(rm01a).get("/").content.decode()
    client.post(f"/materials/{poster.pk}/publish/")
    assert 'data-testid="drafts-card"' not in client.get("/").content.decode()
