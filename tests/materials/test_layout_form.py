"""The poster layout form: per-slot x, y, size and colour, checked with clear errors, nothing stored
when any is wrong."""

from __future__ import annotations

import pytest
from django.test import Client

from materials.models import Material, PosterLayout
from tests.materials.factories import LAYOUT, layout_post, png_upload, poster

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq_page(hq_admin) -> Client:
    client = Client()
    client.force_login(hq_admin)
    return client


def edit(client: Client, material: Material, **changes: object):
    data = {"kind": "poster", "title": material.title, "body": material.body, **layout_post(LAYOUT)}
    data.update({f"layout-{k}": v for k, v in changes.items()})
    return client.post(f"/materials/{material.pk}/edit/", data)


def stored(material: Material) -> tuple:
    row = PosterLayout.objects.get(material=material)
    return row.qr_x, row.qr_y, row.qr_size, row.slots, Material.objects.get(pk=material.pk).version


def test_the_edit_page_has_a_field_per_slot_and_no_json(hq_page, hq_admin):
    m = poster(hq_admin)
    html = hq_page.get(f"/materials/{m.pk}/edit/").content.decode()
    assert "JSON" not in html
    for slot in ("name", "title", "branch", "phone"):
        for part in ("x", "y", "size", "color"):
            assert f'name="layout-{slot}_{part}"' in html
    assert 'name="layout-name_color" value="#b4232a"' in html
    assert 'data-testid="layout-sketch"' in html  # the preview drawn from the numbers


def test_moving_a_slot_and_hiding_another_is_stored(hq_page, hq_admin):
    m = poster(hq_admin)
    data = {"kind": "poster", "title": m.title, "body": m.body, **layout_post(LAYOUT)}
    data.update({"layout-name_x": 120, "layout-name_color": "#1F2329", "layout-qr_size": 360})
    del data["layout-phone_show"]
    r = hq_page.post(f"/materials/{m.pk}/edit/", data)
    assert r.status_code == 302
    _qr_x, _qr_y, qr_size, slots, version = stored(m)
    assert qr_size == 360 and version == 2
    assert slots["name"] == {"x": 120, "y": 1500, "size": 72, "color": "#1f2329"}
    assert "phone" not in slots  # a hidden slot is not drawn


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name_x": 1080}, "须在 0 到 1079 之间"),  # the background is 1080 wide
        ({"title_y": -1}, "须在 0 到 1919 之间"),
        ({"branch_size": 8}, "须在 12 到 200 之间"),
        ({"phone_size": 500}, "须在 12 到 200 之间"),
        ({"qr_size": 60}, "须在 120 到 1080 之间"),
        ({"qr_x": 900}, "二维码超出背景图（1080×1920）"),
        ({"name_color": "red"}, "颜色须为 #RRGGBB"),
        ({"name_color": "#12345g"}, "颜色须为 #RRGGBB"),
        ({"title_x": "abc"}, "须为整数"),
        ({"qr_y": ""}, "请填写"),
    ],
)
def test_a_bad_value_is_a_clear_error_on_its_field_and_nothing_is_stored(hq_page, hq_admin, changes, message):
    m = poster(hq_admin)
    before = stored(m)
    r = edit(hq_page, m, **changes)
    assert r.status_code == 200
    assert message in r.content.decode()
    assert stored(m) == before


def test_a_new_poster_is_made_from_the_form(hq_page):
    r = hq_page.post(
        "/materials/new/",
        {"kind": "poster", "title": "新年海报", "background": png_upload(), **layout_post(LAYOUT)},
    )
    assert r.status_code == 302
    assert PosterLayout.objects.get().slots == LAYOUT["slots"]


def test_a_new_poster_off_its_background_is_refused_by_the_service(hq_page):
    # Before the upload the form cannot know the size: the service checks against the real image.
    r = hq_page.post(
        "/materials/new/",
        {
            "kind": "poster",
            "title": "新年海报",
            "background": png_upload(width=600, height=800),
            **layout_post(LAYOUT),
        },
    )
    assert r.status_code == 200 and "超出背景图" in r.content.decode()
    assert not Material.objects.exists()


def test_a_script_ignores_the_layout_fields(hq_page):
    r = hq_page.post(
        "/materials/new/", {"kind": "script", "title": "话术", "body": "您好", "layout-qr_x": "x"}
    )
    assert r.status_code == 302 and not PosterLayout.objects.exists()
