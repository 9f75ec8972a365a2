from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from materials.models import Material
from tests.materials.factories import LAYOUT, png_upload, poster, product, script

pytestmark = pytest.mark.django_db
URL = "/api/v1/materials/"


def test_rm_sees_published_materials_of_their_branch_only(api, rm01a, rm02a, hq_admin, b02):
    mine = script(hq_admin, title="全行话术")
    only_b02 = script(hq_admin, title="城西专属话术", branches=["B02"])
    draft = script(hq_admin, title="草稿", publish_from=None)
    expired = script(hq_admin, title="过期", publish_until=timezone.now() - timedelta(hours=1))
    future = script(hq_admin, title="将来", publish_from=timezone.now() + timedelta(days=1))
    ids = {m["id"] for m in api(rm01a).get(URL).json()["results"]}
    assert ids == {mine.pk}
    ids = {m["id"] for m in api(rm02a).get(URL).json()["results"]}
    assert ids == {mine.pk, only_b02.pk}
    # Head office sees everything, drafts too.
    ids = {m["id"] for m in api(hq_admin).get(URL).json()["results"]}
    assert ids == {mine.pk, only_b02.pk, draft.pk, expired.pk, future.pk}
    for hidden in (only_b02, draft, expired, future):
        assert api(rm01a).get(f"{URL}{hidden.pk}/").status_code == 404


def test_chinese_substring_search_ranks_title_hits_first(api, rm01a, hq_admin):
    body_hit = script(hq_admin, title="节日问候", body="顺便介绍一下大额存单的利率")
    title_hit = script(hq_admin, title="大额存单到期提醒", body="您好")
    script(hq_admin, title="无关", body="基金定投")
    r = api(rm01a).get(URL, {"q": "存单"})
    assert [m["id"] for m in r.json()["results"]] == [title_hit.pk, body_hit.pk]
    assert api(rm01a).get(URL, {"q": "额存"}).json()["count"] == 2


def test_kind_filter_and_bad_kind(api, rm01a, hq_admin):
    script(hq_admin)
    p = product(hq_admin)
    assert [m["id"] for m in api(rm01a).get(URL, {"kind": "product"}).json()["results"]] == [p.pk]
    assert api(rm01a).get(URL, {"kind": "virus"}).status_code == 400


def test_list_query_count_is_flat(api, rm01a, hq_admin, django_assert_max_num_queries):
    for i in range(15):
        script(hq_admin, title=f"话术{i}", branches=["B01"])
    poster(hq_admin)
    client = api(rm01a)
    with django_assert_max_num_queries(10):
        r = client.get(URL)
    assert r.json()["count"] == 16


def test_head_office_creates_a_script_by_json(api, hq_admin, b01):
    r = api(hq_admin).post(
        URL,
        {
            "kind": "script",
            "title": "到期提醒",
            "body": "{customer_name}您好",
            "branches": ["B01"],
            "tags": ["存款"],
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    assert [b["code"] for b in r.json()["branches"]] == ["B01"] and r.json()["version"] == 1


def test_head_office_uploads_a_poster_by_multipart(api, hq_admin):
    r = api(hq_admin).post(
        URL,
        {"kind": "poster", "title": "海报", "background": png_upload(), "layout": json.dumps(LAYOUT)},
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    assert r.json()["layout"]["qr_size"] == 320


def test_unknown_placeholder_is_named(api, hq_admin):
    r = api(hq_admin).post(URL, {"kind": "script", "title": "t", "body": "您好{customer_nmae}，{rm_name}"})
    assert r.status_code == 400
    assert "{customer_nmae}" in r.json()["body"][0]
    assert not Material.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "script"},
        {"kind": "nope", "title": "x"},
        {"kind": "script", "title": "x", "colour": "red"},
        {"kind": "script", "title": "x" * 201},
        {"kind": "script", "title": "x", "branches": ["B99"]},
        {"kind": "product", "title": "x"},
        {"kind": "poster", "title": "x"},
        {
            "kind": "script",
            "title": "x",
            "publish_from": "2026-01-02T00:00:00Z",
            "publish_until": "2026-01-01T00:00Z",
        },
    ],
)
def test_bad_material_input_is_400_and_stores_nothing(api, hq_admin, body):
    assert api(hq_admin).post(URL, body, format="json").status_code == 400
    assert not Material.objects.exists()


def test_patch_bumps_the_version(api, hq_admin, rm01a):
    m = script(hq_admin)
    r = api(hq_admin).patch(f"{URL}{m.pk}/", {"title": "新标题"}, format="json")
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["title"] == "新标题"
    r = api(hq_admin).put(
        f"{URL}{m.pk}/", {"kind": "script", "title": "再改", "body": "{rm_name}"}, format="json"
    )
    assert r.status_code == 200 and r.json()["version"] == 3
    assert api(hq_admin).patch(f"{URL}{m.pk}/", {"body": "{oops}"}, format="json").status_code == 400
    assert Material.objects.get(pk=m.pk).version == 3


def test_write_is_head_office_only(api, anon, rm01a, lead01, compliance, hq_admin):
    m = script(hq_admin)
    for user in (rm01a, lead01, compliance):
        assert api(user).post(URL, {"kind": "script", "title": "x"}, format="json").status_code == 403
        assert api(user).patch(f"{URL}{m.pk}/", {"title": "x"}, format="json").status_code == 403
    assert anon.get(URL).status_code == 401
    assert anon.post(URL, {}).status_code == 401


def test_detail_answers_the_documented_shape(api, hq_admin, rm01a, b01):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.materials.factories import png_bytes

    created = api(hq_admin).post(
        URL,
        {
            "kind": "poster",
            "title": "海报",
            "background": png_upload(),
            "layout": json.dumps(LAYOUT),
            "attachments": [SimpleUploadedFile("图.png", png_bytes(40, 40))],
            "publish_from": "2020-01-01T00:00:00Z",
        },
        format="multipart",
    )
    assert created.status_code == 201, created.json()
    data = api(rm01a).get(f"{URL}{created.json()['id']}/").json()
    assert data["layout"]["slots"]["name"] == LAYOUT["slots"]["name"]
    assert data["layout"]["background"].startswith("http://testserver/materials/")
    assert data["poster_url"] == f"http://testserver/api/v1/materials/{data['id']}/poster.png"
    assert data["attachments"][0]["url"].startswith("http://testserver/materials/")
    text = api(rm01a).get(f"{URL}{script(hq_admin, branches=['B01']).pk}/").json()
    assert text["layout"] is None and text["poster_url"] is None
    assert text["branches"] == [{"code": "B01", "name": b01.name}]


@pytest.mark.parametrize("query", [{"q": "存" * 101}, {"kind": "virus"}, {"page": "999"}, {"page": "x"}])
def test_bad_list_queries_are_a_clear_4xx(api, rm01a, hq_admin, query):
    script(hq_admin)
    r = api(rm01a).get(URL, query)
    assert r.status_code in (400, 404) and r.json()


def test_put_and_patch_refuse_bad_edits_and_change_nothing(api, hq_admin):
    m = script(hq_admin)
    client = api(hq_admin)
    assert client.put(f"{URL}{m.pk}/", {"title": "无类型"}, format="json").status_code == 400
    r = client.patch(f"{URL}{m.pk}/", {"kind": "news"}, format="json")
    assert r.status_code == 400 and "kind" in r.json()
    r = client.patch(f"{URL}{m.pk}/", {"branches": ["B99"]}, format="json")
    assert r.status_code == 400 and "B99" in r.json()["branches"][0]
    assert client.patch(f"{URL}999999/", {"title": "x"}, format="json").status_code == 404
    m.refresh_from_db()
    assert (m.kind, m.version) == ("script", 1)
