"""The adds chart for the branch lead and head office: a page and a Today card, without JavaScript."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.wecom.factories import customer_of, follow
from tests.wecom.test_stats import RANGE, rows  # noqa: F401  (the known rows)

pytestmark = pytest.mark.django_db
URL = "/wecom/stats/"


def page(client, user, params: str = ""):
    client.force_login(user)
    return client.get(f"{URL}?{params}" if params else URL)


def table_rows(html: str) -> list[list[str]]:
    """Each chart row as a screen reader reads it: the heading and the figures."""
    found = []
    for row in re.findall(r'<tr data-testid="adds-row">(.*?)</tr>', html, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        found.append([re.sub(r"<[^>]+>", "", c).strip() for c in cells if "aria-hidden" not in c])
    return found


def test_the_lead_sees_their_rms_with_bars_and_figures(client, lead01, rows):  # noqa: F811
    r = page(client, lead01, f"{RANGE}&group=rm")
    assert r.status_code == 200
    html = r.content.decode()
    assert [cells for cells in table_rows(html)] == [
        ["张晓明", "", "4", "2", "50%", "1"],
        ["陈静", "", "2", "0", "0%", "0"],
    ]
    assert 'style="width: 100%"' in html and 'style="width: 50%"' in html  # 4 of 4, 2 of 4
    assert "刘洋" not in html  # another branch's RM


def test_head_office_sees_every_branch_by_default(client, hq_admin, rm01a, rm02a):
    today = timezone.localdate()
    follow(rm01a, f"{today:%Y-%m-%d} 09:00", customer=customer_of(rm01a, "C9"))
    follow(rm02a, f"{today:%Y-%m-%d} 10:00")
    html = page(client, hq_admin).content.decode()
    assert table_rows(html) == [
        ["城东支行", "", "1", "1", "100%", "0"],
        ["城西支行", "", "1", "0", "0%", "0"],
    ]


def test_a_bad_range_is_shown_on_the_page(client, hq_admin):
    r = page(client, hq_admin, "since=2026-11-12&until=2026-11-11")
    assert r.status_code == 400
    assert "开始日期不能晚于结束日期" in r.content.decode()
    r = page(client, hq_admin, "since=1999-01-01")
    assert r.status_code == 400 and "2000-01-01" in r.content.decode()


def test_rms_and_compliance_get_no_chart_page(client, rm01a, compliance):
    assert page(client, rm01a).status_code == 403
    assert page(client, compliance).status_code == 403


def test_the_leads_today_card_charts_the_last_7_days(client, lead01, rm01a, rm02a):
    today = timezone.localdate()
    follow(rm01a, f"{today:%Y-%m-%d} 09:00")
    follow(rm01a, f"{today - timedelta(days=2):%Y-%m-%d} 09:00", customer=customer_of(rm01a, "C8"))
    follow(rm01a, f"{today - timedelta(days=9):%Y-%m-%d} 09:00")  # older than the card
    follow(rm02a, f"{today:%Y-%m-%d} 09:00")  # another branch
    client.force_login(lead01)
    html = client.get("/").content.decode()
    assert 'data-testid="wecom-adds-card"' in html
    assert "添加 2 人，其中已核实客户 1 人" in html
    assert table_rows(html) == [
        [f"{today - timedelta(days=2):%Y-%m-%d}", "", "1", "1", "100%", "0"],
        [f"{today:%Y-%m-%d}", "", "1", "0", "0%", "0"],
    ]


def test_an_rm_has_no_adds_card(client, rm01a):
    client.force_login(rm01a)
    assert 'data-testid="wecom-adds-card"' not in client.get("/").content.decode()
