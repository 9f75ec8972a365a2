from __future__ import annotations

import pytest
from django.core.management import call_command

from materials.models import Material, PosterLayout
from tests.conftest import need
from tests.materials.test_posters import decode, font_available

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_kit_once(api):
    call_command("seed_demo", "--password", "demo-pass-123", "--small")
    counts = {
        kind: Material.objects.filter(kind=kind).count() for kind in ("script", "product", "news", "poster")
    }
    assert counts == {"script": 20, "product": 10, "news": 4, "poster": 2}
    assert PosterLayout.objects.filter(width=1080, height=1920).count() == 2
    assert not Material.objects.filter(kind="product", risk_level="").exists()
    before = list(Material.objects.values_list("id", "version"))
    call_command("seed_demo", "--password", "demo-pass-123", "--small")
    assert list(Material.objects.values_list("id", "version")) == before

    need(font_available(), "fonts-noto-cjk is not installed")
    from django.contrib.auth.models import User

    rm = User.objects.get(username="rm01a")
    for material in Material.objects.filter(kind="poster"):
        r = api(rm).get(f"/api/v1/materials/{material.pk}/poster.png")
        assert r.status_code == 200
        assert decode(r.content)[0].startswith("http://testserver/s/")
