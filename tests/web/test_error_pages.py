"""Error pages keep the shell: the tab bar, the language, the way back."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from rm_portal.web.views import server_error


def tab_keys(html: str) -> list[str]:
    return re.findall(r'data-tab="([a-z0-9_]+)"', html)


def test_a_page_outside_the_role_is_a_403_with_the_persons_tab_bar(client, rm01a):
    client.force_login(rm01a)
    r = client.get("/customers/import/")
    html = r.content.decode()
    assert r.status_code == 403
    assert "无权访问" in html
    assert tab_keys(html)[0] == "today" and "customers" in tab_keys(html)
    assert 'lang="zh-CN"' in html


def test_a_missing_page_is_a_404_with_the_persons_tab_bar(client, compliance):
    client.force_login(compliance)
    r = client.get("/no-such-page/")
    html = r.content.decode()
    assert r.status_code == 404
    assert "页面不存在" in html
    assert "alerts" in tab_keys(html)


@pytest.mark.urls("tests.web.urls_failing_page")
def test_a_failing_page_is_a_500_with_the_tab_bar(rm01a):
    client = Client(raise_request_exception=False)
    client.force_login(rm01a)
    r = client.get("/test/failing-page/")
    html = r.content.decode()
    assert r.status_code == 500
    assert "服务暂时不可用" in html
    assert tab_keys(html) == ["today", "me"]
    assert 'lang="zh-CN"' in html and "a bug nobody foresaw" not in html


def test_the_500_page_reads_nothing_from_the_database(db, django_assert_num_queries):
    request = RequestFactory().get("/anything/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    assert tab_keys(response.content.decode()) == ["today", "me"]


def test_the_500_page_renders_with_the_database_blocked(django_db_blocker):
    # No db fixture: any query would raise "Database access not allowed".
    with django_db_blocker.block():
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and b"tabbar" in response.content
