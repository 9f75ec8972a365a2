"""The officer's pages of issue 13: the search page's CSV export, one banner on the conversation
page, and the alert queue in the order it is worked (severity, then newest)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from compliance.models import Alert, Message, SearchAudit
from compliance.services.ingestion import messages_ingest
from tests.compliance.factories import demo_terms, item

pytestmark = pytest.mark.django_db
BANK = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def archive(rm01a, rm02a):
    demo_terms()
    sent = datetime(2026, 11, 30, 1, 30, tzinfo=ZoneInfo("UTC"))  # 09:30 in Beijing
    messages_ingest(
        items=[
            item("rm01a", "方便加微信吗", sent_at=sent.isoformat()),
            item("rm01a", '=HYPERLINK("x") 加微信', sent_at=(sent + timedelta(minutes=1)).isoformat()),
            item("rm02a", "明天见", sent_at=(sent + timedelta(minutes=2)).isoformat()),
        ],
        by=rm01a,
        gateway=True,
    )


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_search_pages_export_link_downloads_the_searchs_csv(client, archive, compliance):
    client.force_login(compliance)
    page = client.get("/compliance/search/", {"q": "微信", "has_hits": "unknown", "since": ""})
    link = re.search(r'href="([^"]+)" data-testid="export"', page.content.decode())
    assert link, "the search page offers the export"
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith("/compliance/search/export.csv?")
    rows = _rows(client.get(href))
    assert rows[0] == [
        "编号", "发送时间", "渠道", "客户经理", "客户经理账号", "客户号",
        "联系人", "方向", "内容", "命中敏感词", "哈希", "来源",
    ]  # fmt: skip
    by_content = {row[8]: row for row in rows[1:]}
    assert set(by_content) == {"方便加微信吗", '\'=HYPERLINK("x") 加微信'}  # formula guarded
    first = by_content["方便加微信吗"]
    assert first[1] == "2026-11-30 09:30:00+08:00"
    assert first[2] == "企业微信" and first[4] == "rm01a" and first[7] == "客户经理发送"
    assert first[9] == "加微信"
    audit = SearchAudit.objects.get(action="export")
    assert audit.user == compliance and audit.result_count == 2 and audit.filters == {"q": "微信"}


def test_a_bad_filter_on_the_page_export_goes_back_to_the_search_with_the_reason(client, archive, compliance):
    client.force_login(compliance)
    r = client.get("/compliance/search/export.csv", {"q": "微信", "since": "yesterday"})
    assert r.status_code == 302 and r["Location"].startswith("/compliance/search/?")
    page = client.get(r["Location"])
    assert "未导出" in page.content.decode() and "起始日期" in page.content.decode()
    r = client.get("/compliance/search/export.csv", {"q": "x" * 101})
    assert r.status_code == 302
    assert not SearchAudit.objects.filter(action="export").exists()


def test_the_page_export_is_the_officers_only(client, archive, rm01a, lead01, hq_admin):
    for user in (rm01a, lead01, hq_admin):
        client.force_login(user)
        assert client.get("/compliance/search/export.csv", {"q": "微信"}).status_code == 403
    client.logout()
    assert client.get("/compliance/search/export.csv").status_code == 302  # to the sign-in page
    assert not SearchAudit.objects.filter(action="export").exists()


def test_the_conversation_page_shows_no_banner_per_message(client, archive, compliance):
    client.force_login(compliance)
    message = Message.objects.filter(conversation__rm__username="rm01a").first()
    html = client.get(f"/compliance/conversations/{message.conversation_id}/").content.decode()
    assert "flash__item" not in html
    assert html.count("cmp-bubble cmp-bubble--out") == 2
    # after an action, exactly its one banner
    r = client.post(
        f"/compliance/conversations/{message.conversation_id}/hold/",
        {"hold": "1", "next": f"/compliance/conversations/{message.conversation_id}/"},
        follow=True,
    )
    assert r.content.decode().count('<li class="flash__item') == 1


def test_alerts_are_ordered_by_severity_then_newest(api, client, rm01a, compliance):
    demo_terms()
    now = timezone.now()
    messages_ingest(
        items=[
            item("rm01a", "加微信 一", sent_at=(now - timedelta(minutes=5)).isoformat()),
            item("rm01a", "保证收益 一", sent_at=(now - timedelta(minutes=4)).isoformat()),
            item("rm01a", "加微信 二", sent_at=(now - timedelta(minutes=3)).isoformat()),
            item("rm01a", "私下转账 二", sent_at=(now - timedelta(minutes=2)).isoformat()),
        ],
        by=rm01a,
        gateway=True,
    )
    # created_at is the alert's own time: spread them so "newest" is unambiguous
    for minutes, alert in enumerate(Alert.objects.order_by("id")):
        Alert.objects.filter(pk=alert.pk).update(created_at=now - timedelta(minutes=10 - minutes))
    wanted = ["私下转账 二", "保证收益 一", "加微信 二", "加微信 一"]
    results = api(compliance).get("/api/v1/compliance/alerts/").json()["results"]
    assert [(r["severity"], r["message"]["content"]) for r in results] == [
        ("block", wanted[0]),
        ("block", wanted[1]),
        ("warn", wanted[2]),
        ("warn", wanted[3]),
    ]
    client.force_login(compliance)
    html = client.get("/compliance/alerts/").content.decode()
    positions = [html.index(text) for text in wanted]
    assert positions == sorted(positions)
