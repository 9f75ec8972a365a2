from __future__ import annotations

import pytest

from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.execution import opportunity_complete
from tests.opportunities.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def test_rm_inbox_has_status_tabs_and_own_items_and_the_nav_tab(
    generated, rm01a, django_assert_max_num_queries
):
    client = signed_in_client(rm01a)
    with django_assert_max_num_queries(14):
        page = client.get("/opportunities/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-tab="opportunities"' in html and "商机" in html
    assert "?status=overdue" in html and "?status=done" in html
    assert "客户C1" in html and "客户C3" not in html and "最近定期到期天数 3天" in html


def test_detail_shows_card_script_call_and_copy_and_completes_by_form(generated, rm01a):
    client = signed_in_client(rm01a)
    pk = generated["C1"].pk
    html = client.get(f"/opportunities/{pk}/").content.decode()
    assert "138****1234" in html and f'href="/opportunities/{pk}/call/?t=' in html
    assert "13812341234" not in html  # the full number only through the logged call step
    assert 'id="script"' in html and "您好客户C1，我是张晓明。" in html and "data-copy" in html
    r = client.post(
        f"/opportunities/{pk}/complete/", {"outcome": "converted", "amount": "1,000", "note": "好"}
    )
    assert r.status_code == 302
    done = Opportunity.objects.get(pk=pk)
    assert done.status == "done" and str(done.amount) == "1000.00"
    again = client.post(f"/opportunities/{pk}/complete/", {"outcome": "converted"}, follow=True)
    assert "已经完成" in again.content.decode()


def test_bad_amount_on_the_form_is_a_message_not_a_500(generated, rm01a):
    client = signed_in_client(rm01a)
    pk = generated["C1"].pk
    for amount in ("-5", "abc", "1e30", "NaN"):
        r = client.post(
            f"/opportunities/{pk}/complete/", {"outcome": "converted", "amount": amount}, follow=True
        )
        assert r.status_code == 200
    assert Opportunity.objects.get(pk=pk).status == "open"
    for bad in ({"outcome": "won"}, {"outcome": "contacted", "note": "x" * 2001}, {}):
        r = client.post(f"/opportunities/{pk}/complete/", bad, follow=True)
        assert r.status_code == 200 and list(r.context["messages"])
    assert Opportunity.objects.get(pk=pk).status == "open"


def test_a_review_without_a_verdict_is_a_message_and_stores_nothing(generated, rm01a, lead01):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="converted")
    client = signed_in_client(lead01)
    for bad in ({}, {"accurate": "maybe"}, {"accurate": "1", "comment": "x" * 501}):
        r = client.post(f"/opportunities/{generated['C1'].pk}/review/", bad, follow=True)
        assert r.status_code == 200 and list(r.context["messages"])
    assert (
        "请选择准确或不准确"
        in client.post(f"/opportunities/{generated['C1'].pk}/review/", {}, follow=True).content.decode()
    )
    assert Opportunity.objects.get(pk=generated["C1"].pk).reviewed_at is None
    not_done = client.post(f"/opportunities/{generated['C5'].pk}/review/", {"accurate": "1"}, follow=True)
    assert "只能检视已完成的商机" in not_done.content.decode()


def test_other_people_get_404_on_detail_and_complete(generated, rm01b, rm02a):
    pk = generated["C1"].pk
    assert signed_in_client(rm02a).get(f"/opportunities/{pk}/").status_code == 404
    assert (
        signed_in_client(rm01b).post(f"/opportunities/{pk}/complete/", {"outcome": "contacted"}).status_code
        == 404
    )


def test_lead_reviews_from_the_queue_and_sees_stats(generated, rm01a, lead01, compliance):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="converted", amount=10)
    client = signed_in_client(lead01)
    html = client.get("/opportunities/review/").content.decode()
    assert "客户C1" in html
    client.post(f"/opportunities/{generated['C1'].pk}/review/", {"accurate": "0", "comment": "不准"})
    reviewed = Opportunity.objects.get(pk=generated["C1"].pk)
    assert reviewed.accurate is False and reviewed.review_comment == "不准"
    assert "客户C1" not in client.get("/opportunities/review/").content.decode()
    stats = client.get("/opportunities/stats/").content.decode()
    assert 'data-testid="conversion-chart"' in stats and "<rect" in stats and "张晓明" in stats
    assert signed_in_client(rm01a).get("/opportunities/review/").status_code == 403
    assert signed_in_client(compliance).get("/opportunities/").status_code == 403


def test_today_card_counts_open_and_overdue(generated, rm01a):
    html = signed_in_client(rm01a).get("/").content.decode()
    assert 'data-testid="opportunities-card"' in html
    assert 'data-testid="open-count">1<' in html and 'data-testid="overdue-count">0<' in html


def test_english_is_available_for_the_app_strings():
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("已逾期") == "Overdue"
        assert (
            translation.gettext("今日新增 %(n)s 条商机：%(rules)s") % {"n": 2, "rules": "A 2"}
            == "2 new opportunities today: A 2"
        )
