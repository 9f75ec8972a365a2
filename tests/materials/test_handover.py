from __future__ import annotations

import pytest
from django.test import Client

from materials.models import ShareToken
from materials.services.shares import poster_token, share_create
from rm_portal.org.handover import movers
from tests.materials.factories import poster, script

pytestmark = pytest.mark.django_db


def test_leavers_links_keep_working_with_the_successors_card(rm01a, rm01b, hq_admin):
    m = script(hq_admin)
    template = poster(hq_admin)
    other = poster(hq_admin, title="另一张海报")
    link = share_create(rm=rm01a, material=m)
    poster_token(rm=rm01a, material=template)
    kept = poster_token(rm=rm01a, material=other)
    poster_token(rm=rm01b, material=other)  # the successor already has this poster's link
    assert movers()["materials"](rm01a, rm01b) == {"share_links": 1, "poster_links": 1}
    assert ShareToken.objects.get(pk=link.pk).rm == rm01b
    assert ShareToken.objects.get(pk=kept.pk).rm == rm01a
    page = Client().get(f"/s/{link.token}").content.decode()
    assert rm01b.staff.name in page
