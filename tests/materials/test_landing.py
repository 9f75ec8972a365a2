from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from materials.models import ShareToken, ViewEvent
from materials.services.materials import material_update
from rm_portal.customers.models import TimelineEvent
from tests.materials.factories import customer, product, script

pytestmark = pytest.mark.django_db


def make_share(api, rm, material, **body) -> str:
    r = api(rm).post(f"/api/v1/materials/{material.pk}/share/", body, format="json")
    assert r.status_code == 201, r.json()
    return r.json()["token"]


def visit(token: str, ip: str = "10.0.0.1", ua: str = "Mozilla/5.0 (iPhone) MicroMessenger"):
    return Client(REMOTE_ADDR=ip, HTTP_USER_AGENT=ua).get(f"/s/{token}")


def test_landing_shows_the_material_and_the_rms_card_without_login(api, rm01a, hq_admin):
    token = make_share(api, rm01a, script(hq_admin, body="{customer_name}好，我是{rm_name}"))
    r = visit(token)
    assert r.status_code == 200
    html = r.content.decode()
    assert "尊敬的客户好，我是张晓明" in html
    assert f'href="tel:{rm01a.staff.phone}"' in html
    assert "城东支行" in html and "加我微信" in html
    assert r["Cache-Control"] == "private, no-store"


def test_views_are_counted_and_deduplicated_within_30_minutes(api, rm01a, hq_admin):
    token = make_share(api, rm01a, script(hq_admin))
    visit(token)
    visit(token)  # the same visitor again: not counted
    visit(token, ip="10.0.0.2")  # another visitor
    # Same address, another user agent: the same visitor (a UA is rotated at will; test_visitors.py).
    visit(token, ua="Mozilla/5.0 (Android)")
    assert ViewEvent.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        visit(token)
    assert ViewEvent.objects.count() == 3
    # No raw IP is stored, only a keyed hash.
    assert all(len(v.visitor) == 64 and "10.0.0" not in v.visitor for v in ViewEvent.objects.all())


def test_view_of_a_known_customers_link_lands_on_their_timeline(api, rm01a, hq_admin):
    c = customer(rm01a)
    token = make_share(api, rm01a, product(hq_admin, risk_level="R2"), customer=c.cust_no)
    visit(token)
    visit(token)
    kinds = list(TimelineEvent.objects.filter(customer=c).values_list("kind", flat=True))
    assert sorted(kinds) == ["material_share", "material_view"]


def test_landing_is_a_few_queries(
    api, rm01a, hq_admin, django_assert_max_num_queries, django_assert_num_queries
):
    c = customer(rm01a)
    token = make_share(api, rm01a, product(hq_admin, risk_level="R2"), customer=c.cust_no)
    with django_assert_max_num_queries(7):  # the link, the view, the timeline line, the page's parts
        assert visit(token).status_code == 200
    # The page is kept per link; a repeat view is the link and one conditional insert.
    with django_assert_num_queries(2):
        assert visit(token).status_code == 200
    # A new visitor of the kept page: the link, the insert, and the customer's timeline line.
    with django_assert_max_num_queries(4):
        assert visit(token, ip="10.0.0.9").status_code == 200
    assert ViewEvent.objects.count() == 2


def test_a_kept_landing_page_still_counts_and_shows_an_edit_at_once(api, rm01a, hq_admin):
    m = script(hq_admin)
    token = make_share(api, rm01a, m)
    old_title = m.title
    assert old_title in visit(token).content.decode()
    m.title = "全新的标题"
    m.version += 1
    m.save()
    html = visit(token, ip="10.0.0.7").content.decode()
    assert "全新的标题" in html and old_title not in html
    assert ViewEvent.objects.count() == 2


def test_unknown_expired_and_withdrawn_links_are_the_same_friendly_404(api, rm01a, hq_admin):
    m = script(hq_admin)
    token = make_share(api, rm01a, m)
    expired = make_share(api, rm01a, script(hq_admin, title="另一篇"))
    ShareToken.objects.filter(token=expired).update(expires_at=timezone.now() - timedelta(seconds=1))
    withdrawn = make_share(api, rm01a, m)
    material_update(material=m, by=hq_admin, publish_until=timezone.now() - timedelta(seconds=1))
    pages = [visit(t) for t in ("A" * 32, expired, withdrawn, "short", token[:-1] + "!")]
    assert {p.status_code for p in pages} == {404}
    bodies = {p.content.decode() for p in pages}
    assert len(bodies) == 1 and "链接已失效" in bodies.pop()
    assert not ViewEvent.objects.exists()
    assert visit(token).status_code == 404  # the material was withdrawn after this share too


def test_stats_per_material_for_rm_and_branch_lead(
    api, rm01a, rm01b, rm02a, lead01, lead02, hq_admin, compliance
):
    m = script(hq_admin)
    c = customer(rm01a)
    t1 = make_share(api, rm01a, m, customer=c.cust_no)
    t2 = make_share(api, rm01a, m)
    make_share(api, rm01b, m)
    t3 = make_share(api, rm02a, m)
    visit(t1)
    visit(t1)
    visit(t2)  # same visitor, another link of the same material: 2 views, 1 visitor
    visit(t2, ip="10.9.9.9")
    visit(t3)
    row = api(rm01a).get("/api/v1/shares/stats/").json()["results"][0]
    assert row == {
        "material": {"id": m.pk, "title": m.title, "kind": "script"},
        "shares": 2,
        "views": 3,
        "unique_visitors": 2,
        "customers_reached": 1,
        "adds": 0,  # a script has no 联系我 code (tests/wecom/test_stats.py counts a poster's)
        "verified_adds": 0,
    }
    assert api(rm01b).get("/api/v1/shares/stats/").json()["results"][0]["views"] == 0
    lead = api(lead01).get("/api/v1/shares/stats/").json()["results"][0]
    assert lead["shares"] == 3 and lead["views"] == 3
    assert api(lead01).get("/api/v1/shares/stats/", {"rm": "rm02a"}).json()["results"] == []
    assert api(lead02).get("/api/v1/shares/stats/").json()["results"][0]["shares"] == 1
    assert api(hq_admin).get("/api/v1/shares/stats/").json()["results"][0]["shares"] == 4
    assert api(compliance).get("/api/v1/shares/stats/").status_code == 403


def test_stats_needs_credentials(anon):
    assert anon.get("/api/v1/shares/stats/").status_code == 401
