"""Archive search: scoping by role, literal q over the normalised text, highlights, audit, export."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import SearchAudit
from compliance.services.ingestion import messages_ingest
from tests.compliance.factories import CustomerFactory, demo_terms, item

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/messages/"


@pytest.fixture
def archive(rm01a, rm01b, rm02a, b01):
    demo_terms()
    customer = CustomerFactory(cust_no="C0001", branch=b01, owner=rm01a)
    items = [
        item("rm01a", "方便加 微 信吗", external_contact=None, customer="C0001"),
        item("rm01a", "年化 5% 的产品_测试", external_contact=None, customer="C0001"),
        item("rm01a", "明天网点见", external_contact=None, customer="C0001"),
        item("rm01b", "本產品保證收益"),
        item("rm02a", "加微信聊"),
        item("rm02a", "你好", direction="in"),
    ]
    messages_ingest(items=items, by=rm01a, gateway=True)
    return customer


def contents(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return sorted(m["content"] for m in response.json()["results"])


def test_scoped_by_role(api, archive, compliance, lead01, rm01a, rm02a):
    assert len(contents(api(compliance).get(URL))) == 6
    assert contents(api(lead01).get(URL)) == sorted(
        ["方便加 微 信吗", "年化 5% 的产品_测试", "明天网点见", "本產品保證收益"]
    )
    assert contents(api(rm01a).get(URL)) == sorted(["方便加 微 信吗", "年化 5% 的产品_测试", "明天网点见"])
    assert contents(api(rm02a).get(URL)) == sorted(["加微信聊", "你好"])
    # another RM's messages are not there even when asked for by name, or by their words
    assert contents(api(rm02a).get(URL, {"rm": "rm02a"})) == sorted(["加微信聊", "你好"])
    assert contents(api(rm02a).get(URL, {"rm": "rm01a"})) == []
    assert contents(api(rm02a).get(URL, {"q": "微信"})) == ["加微信聊"]
    assert contents(api(lead01).get(URL, {"q": "微信"})) == ["方便加 微 信吗"]


def test_roles_outside_and_anonymous(api, anon, archive, hq_admin):
    assert anon.get(URL).status_code == 401
    assert api(hq_admin).get(URL).status_code == 403


def test_q_finds_chinese_substrings_through_evasions_and_traditional(api, archive, compliance):
    client = api(compliance)
    assert contents(client.get(URL, {"q": "加微信"})) == ["加微信聊", "方便加 微 信吗"]
    assert contents(client.get(URL, {"q": "微信"})) == ["加微信聊", "方便加 微 信吗"]
    assert contents(client.get(URL, {"q": "保证收益"})) == ["本產品保證收益"]
    assert contents(client.get(URL, {"q": "网点"})) == ["明天网点见"]
    assert contents(client.get(URL, {"q": "见"})) == ["明天网点见"]


def test_q_metacharacters_are_literal(api, archive, compliance):
    client = api(compliance)
    # found: the characters themselves, where they really are
    assert contents(client.get(URL, {"q": "5%"})) == ["年化 5% 的产品_测试"]
    assert contents(client.get(URL, {"q": "产品_测"})) == ["年化 5% 的产品_测试"]
    assert contents(client.get(URL, {"q": "%"})) == ["年化 5% 的产品_测试"]
    assert contents(client.get(URL, {"q": "_"})) == ["年化 5% 的产品_测试"]
    assert contents(client.get(URL, {"q": "年化"})) == ["年化 5% 的产品_测试"]
    assert len(contents(client.get(URL))) == 6
    # excluded: an injection, regular expressions and a wildcard match nothing (年%产品 is not 年…产品)
    for q in ("' OR 1=1 --", ".*", "[a-z]", "\\", "年%产品", "年_5"):
        assert contents(client.get(URL, {"q": q})) == [], q


def test_filters(api, archive, compliance):
    client = api(compliance)
    rm01a_words = sorted(["方便加 微 信吗", "年化 5% 的产品_测试", "明天网点见"])
    assert contents(client.get(URL, {"rm": "rm02a"})) == sorted(["加微信聊", "你好"])
    assert contents(client.get(URL, {"customer": "C0001"})) == rm01a_words
    assert contents(client.get(URL, {"has_hits": "true"})) == sorted(
        ["方便加 微 信吗", "本產品保證收益", "加微信聊"]
    )
    assert contents(client.get(URL, {"has_hits": "false"})) == sorted(
        ["年化 5% 的产品_测试", "明天网点见", "你好"]
    )
    assert contents(client.get(URL, {"category": "承诺收益"})) == ["本產品保證收益"]
    assert contents(client.get(URL, {"category": "引导私加联系方式", "branch": "B01"})) == ["方便加 微 信吗"]
    assert contents(client.get(URL, {"branch": "B02"})) == sorted(["加微信聊", "你好"])
    today = timezone.localdate()
    since, until = (today - timedelta(days=1)).isoformat(), today.isoformat()
    assert len(contents(client.get(URL, {"since": since, "until": until}))) == 6
    # excluded: another day, another customer
    assert contents(client.get(URL, {"since": "2000-01-01", "until": "2000-01-02"})) == []
    assert contents(client.get(URL, {"since": (today + timedelta(days=1)).isoformat()})) == []
    assert contents(client.get(URL, {"customer": "C9999"})) == []
    for bad in (
        {"since": "yesterday"},
        {"has_hits": "maybe"},
        {"q": "x" * 101},
        {"colour": "red"},
        {"q": "a\x00"},
    ):
        assert client.get(URL, bad).status_code == 400


def test_results_carry_highlights_in_the_original_text(api, archive, compliance):
    r = api(compliance).get(URL, {"q": "加微信"})
    assert contents(r) == ["加微信聊", "方便加 微 信吗"]
    for message in r.json()["results"]:
        spans = message["highlight"]
        assert len(spans) == 1
        matched = message["content"][spans[0]["start"] : spans[0]["end"]]
        assert matched in ("加 微 信", "加微信")


def test_every_search_is_audited_and_the_log_is_compliance_only(api, archive, compliance, lead01, rm01a):
    api(lead01).get(URL, {"q": "微信", "rm": "rm01a"})
    api(compliance).get(URL, {"has_hits": "true"})
    audits = list(SearchAudit.objects.order_by("pk"))
    assert [(a.user.username, a.action, a.filters, a.result_count) for a in audits] == [
        ("lead01", "search", {"q": "微信", "rm": "rm01a"}, 1),
        ("compliance", "search", {"has_hits": True}, 3),
    ]
    r = api(compliance).get("/api/v1/compliance/audit/")
    assert r.status_code == 200 and r.json()["count"] == 2
    assert api(lead01).get("/api/v1/compliance/audit/").status_code == 403
    assert api(rm01a).get("/api/v1/compliance/audit/").status_code == 403
    # nobody edits the log: no write method on the endpoint
    assert api(compliance).delete("/api/v1/compliance/audit/").status_code == 405


def test_list_query_count_is_flat(api, archive, compliance, django_assert_max_num_queries):
    messages_ingest(items=[item("rm01a", f"加微信 {i}") for i in range(30)], by=compliance, gateway=True)
    client = api(compliance)
    with django_assert_max_num_queries(12):
        r = client.get(URL, {"q": "微信", "page_size": 50})
    assert r.json()["count"] == 32


def test_export_streams_csv_with_bom_and_is_audited(api, archive, compliance, lead01):
    r = api(compliance).get("/api/v1/compliance/export/", {"q": "微信"})
    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    body = b"".join(r.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "发送时间", "渠道"] and len(rows) == 3
    assert {row[8] for row in rows[1:]} == {"加微信聊", "方便加 微 信吗"}
    audit = SearchAudit.objects.get(action="export")
    assert audit.result_count == 2 and audit.filters == {"q": "微信"}
    assert api(lead01).get("/api/v1/compliance/export/").status_code == 403


def test_alert_queue_and_resolution_history(api, archive, compliance, rm01a, lead01):
    client = api(compliance)
    r = client.get("/api/v1/compliance/alerts/", {"status": "open"})
    assert r.status_code == 200 and r.json()["count"] == 3
    assert client.get("/api/v1/compliance/alerts/", {"severity": "block"}).json()["count"] == 1
    assert client.get("/api/v1/compliance/alerts/", {"branch": "B02"}).json()["count"] == 1
    assert client.get("/api/v1/compliance/alerts/", {"rm": "rm01a"}).json()["count"] == 1
    assert client.get("/api/v1/compliance/alerts/", {"category": "承诺收益"}).json()["count"] == 1
    assert client.get("/api/v1/compliance/alerts/", {"status": "nope"}).status_code == 400
    alert_id = r.json()["results"][0]["id"]
    url = f"/api/v1/compliance/alerts/{alert_id}/resolve/"
    assert api(rm01a).post(url, {"status": "confirmed"}, format="json").status_code == 403
    assert api(lead01).post(url, {"status": "confirmed"}, format="json").status_code == 403
    assert client.post(url, {"status": "open"}, format="json").status_code == 400
    assert client.post(url, {"status": "confirmed", "x": 1}, format="json").status_code == 400
    assert (
        client.post(
            "/api/v1/compliance/alerts/999999/resolve/", {"status": "confirmed"}, format="json"
        ).status_code
        == 404
    )
    assert (
        client.post(url, {"status": "escalated", "note": "上报"}, format="json").json()["status"]
        == "escalated"
    )
    assert (
        client.post(url, {"status": "confirmed", "note": "核实"}, format="json").json()["status"]
        == "confirmed"
    )
    from compliance.models import Alert

    history = list(Alert.objects.get(pk=alert_id).dispositions.values_list("status", "note"))
    assert history == [("escalated", "上报"), ("confirmed", "核实")]


def test_alert_and_audit_lists_query_count_is_flat(api, archive, compliance, django_assert_max_num_queries):
    messages_ingest(items=[item("rm01b", f"保证收益 {i}") for i in range(25)], by=compliance, gateway=True)
    client = api(compliance)
    for _ in range(5):
        client.get(URL, {"q": "收益"})
    with django_assert_max_num_queries(8):
        r = client.get("/api/v1/compliance/alerts/", {"page_size": 50})
    assert r.json()["count"] == 28
    with django_assert_max_num_queries(8):
        # the five searches and the read of the alert list (with its messages' content)
        assert client.get("/api/v1/compliance/audit/").json()["count"] == 6


def test_export_bad_input_is_400_and_not_audited(api, archive, compliance):
    client = api(compliance)
    for bad in ({"since": "yesterday"}, {"has_hits": "maybe"}, {"q": "x" * 101}, {"colour": "red"}):
        r = client.get("/api/v1/compliance/export/", bad)
        assert r.status_code == 400 and r["Content-Type"].startswith("application/json"), bad
    assert not SearchAudit.objects.filter(action="export").exists()
    # the paginator's parameters are ignored, not refused: the export is every matching row
    r = client.get("/api/v1/compliance/export/", {"q": "微信", "page": "2"})
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode("utf-8-sig"))))
    assert {row[8] for row in rows[1:]} == {"加微信聊", "方便加 微 信吗"}


def test_list_paging_out_of_range_is_refused(api, archive, compliance):
    client = api(compliance)
    for url in (URL, "/api/v1/compliance/alerts/"):
        assert client.get(url, {"page_size": 2}).json()["results"], url
        for bad in ({"page_size": 0}, {"page_size": 201}, {"page": 0}, {"page": "x"}):
            assert client.get(url, bad).status_code == 400, (url, bad)
    assert client.get("/api/v1/compliance/alerts/", {"page": 99}).status_code == 404


def test_search_results_name_people_the_one_way(api, archive, compliance):
    r = api(compliance).get(URL, {"q": "明天"})
    assert contents(r) == ["明天网点见"]
    (message,) = r.json()["results"]
    assert message["rm"] == {"username": "rm01a", "display_name": message["rm"]["display_name"]}
    assert message["rm"]["display_name"] and message["customer"] == "C0001"
    alerts = api(compliance).get("/api/v1/compliance/alerts/", {"rm": "rm02a"}).json()["results"]
    assert [a["message"]["content"] for a in alerts] == ["加微信聊"]
    assert alerts[0]["branch"] == {"code": "B02", "name": alerts[0]["branch"]["name"]}
    assert alerts[0]["rm"]["username"] == "rm02a"


def test_search_counts_at_most_a_thousand_and_says_there_are_more(api, compliance, rm01a, monkeypatch):
    from rm_portal.api.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "CAP", 3)  # the cap's behaviour, without 1,001 rows
    messages_ingest(items=[item("rm01a", f"加微信{i}") for i in range(5)], by=rm01a, gateway=True)
    r = api(compliance).get("/api/v1/compliance/messages/", {"q": "微信", "page_size": 2})
    body = r.json()
    assert r.status_code == 200 and body["count"] == 3 and body["count_capped"] is True
    assert len(body["results"]) == 2 and body["next"]
    r = api(compliance).get("/api/v1/compliance/messages/", {"q": "微信0"})
    assert r.json()["count"] == 1 and r.json()["count_capped"] is False
