from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from materials.models import Material
from tests.materials.factories import script

pytestmark = pytest.mark.django_db


def test_the_admin_is_no_second_write_path(hq_admin):
    """Materials are written only through the service (placeholders, files, layouts, publish
    windows are checked there): the admin lists them and refuses to add, change or delete."""
    m = script(hq_admin)
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x-secret-123"))
    assert client.get("/admin/materials/material/").status_code == 200
    assert client.get("/admin/materials/material/add/").status_code == 403
    r = client.post(f"/admin/materials/material/{m.pk}/change/", {"title": "改了", "kind": "script"})
    assert r.status_code in (302, 403)
    r = client.post(f"/admin/materials/material/{m.pk}/delete/", {"post": "yes"})
    assert r.status_code in (302, 403)
    m.refresh_from_db()
    assert m.title != "改了" and Material.objects.filter(pk=m.pk).exists()
