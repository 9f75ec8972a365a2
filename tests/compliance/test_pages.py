"""The phone pages: who may open them, and that they work as plain forms (no JavaScript)."""

from __future__ import annotations

import pytest

from compliance.models import Alert, SearchAudit, Term
from compliance.services.ingestion import messages_ingest
from tests.compliance.factories import demo_terms, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, password):
    def login(user):
        client.force_login(user)
        return client

    return login


def test_rm_compose_and_check_box(signed_in, rm01a):
    demo_terms()
    client = signed_in(rm01a)
    page = client.get("/compliance/check/")
    assert page.status_code == 200 and "合规检查" in page.content.decode()
    r = client.post("/compliance/check/", {"text": "这个产品保 證收益哦"})
    html = r.content.decode()
    assert "含有禁止发送的内容" in html
    assert '<mark class="cmp-hit cmp-hit--block">保 證收益</mark>' in html
    assert "理财非存款" in html
    r = client.post("/compliance/check/", {"text": "本产品不保本"})
    assert "未发现敏感内容" in r.content.decode()


def test_rm_has_a_check_tab_and_compliance_three_tabs(signed_in, rm01a, compliance):
    # The RM's bottom bar is full, so 合规检查 is on the 我的 page (and the Today card).
    html = signed_in(rm01a).get("/me/").content.decode()
    assert 'data-more="check"' in html
    html = signed_in(compliance).get("/").content.decode()
    for key in ("alerts", "search", "lexicon"):
        assert f'data-tab="{key}"' in html


def test_alert_pages_are_compliance_only(signed_in, client, rm01a, lead01, compliance):
    demo_terms()
    messages_ingest(
        items=[item("rm01a", "你好"), item("rm01a", "保证收益"), item("rm01a", "再见")],
        by=rm01a,
        gateway=True,
    )
    alert = Alert.objects.get()
    assert signed_in(rm01a).get("/compliance/alerts/").status_code == 403
    assert signed_in(lead01).get(f"/compliance/alerts/{alert.pk}/").status_code == 403
    client.logout()
    assert client.get("/compliance/alerts/").status_code == 302
    officer = signed_in(compliance)
    html = officer.get("/compliance/alerts/").content.decode()
    assert "保证收益" in html
    html = officer.get(f"/compliance/alerts/{alert.pk}/").content.decode()
    assert "你好" in html and "再见" in html  # the conversation around it
    assert '<mark class="cmp-hit">保证收益</mark>' in html
    r = officer.post(f"/compliance/alerts/{alert.pk}/", {"status": "false_positive", "note": "测试话术"})
    assert r.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "false_positive"
    assert officer.get("/compliance/alerts/999999/").status_code == 404


def test_search_page_highlights_and_is_audited(signed_in, rm01a, compliance):
    messages_ingest(items=[item("rm01a", "方便加 微 信吗")], by=rm01a, gateway=True)
    html = signed_in(compliance).get("/compliance/search/", {"q": "加微信"}).content.decode()
    assert '<mark class="cmp-hit">加 微 信</mark>' in html
    assert SearchAudit.objects.get().filters == {"q": "加微信"}
    assert "加微信" in signed_in(compliance).get("/compliance/audit/").content.decode()


def test_lexicon_editor(signed_in, compliance, hq_admin, rm01a):
    officer = signed_in(compliance)
    r = officer.post(
        "/compliance/terms/",
        {
            "term": "刚兑",
            "category": "承诺收益",
            "severity": "block",
            "allow": "打破刚兑，不存在刚兑",
            "active": "on",
        },
    )
    assert r.status_code == 302
    term = Term.objects.get(term="刚兑")
    assert term.allow == ["打破刚兑", "不存在刚兑"]
    r = officer.post(
        f"/compliance/terms/{term.pk}/", {"term": "刚兑", "category": "承诺收益", "severity": "warn"}
    )
    assert r.status_code == 302
    term.refresh_from_db()
    assert term.severity == "warn" and term.active is False
    head = signed_in(hq_admin)
    assert head.get("/compliance/terms/").status_code == 200
    assert (
        head.post("/compliance/terms/", {"term": "x", "category": "y", "severity": "block"}).status_code
        == 403
    )
    assert signed_in(rm01a).get("/compliance/terms/").status_code == 403


def test_english_is_available(signed_in, compliance):
    from django.utils import translation

    with translation.override("en"):
        assert translation.gettext("合规检查") == "Compliance check"
        assert translation.gettext("预警") == "Alerts"


def test_legal_hold_from_the_alert_page(signed_in, rm01a, compliance):
    demo_terms()
    messages_ingest(items=[item("rm01a", "保证收益")], by=rm01a, gateway=True)
    alert = Alert.objects.get()
    officer = signed_in(compliance)
    page = f"/compliance/alerts/{alert.pk}/"
    url = f"/compliance/conversations/{alert.message.conversation_id}/hold/"
    r = officer.post(url, {"hold": "1", "next": page})
    assert r.status_code == 302 and r["Location"] == page
    assert 'data-testid="legal-hold"' in officer.get(page).content.decode()
    assert (
        officer.post(url, {"hold": "1", "next": "https://evil.example/"})["Location"] == "/compliance/alerts/"
    )
    assert signed_in(rm01a).post(url, {"hold": "0"}).status_code == 403


def test_today_cards(signed_in, rm01a, compliance, lead01):
    demo_terms()
    messages_ingest(items=[item("rm01a", "保证收益"), item("rm01a", "加微信")], by=rm01a, gateway=True)
    html = signed_in(compliance).get("/").content.decode()
    assert 'data-testid="card-alerts"' in html and "<strong>2</strong>" in html
    html = signed_in(rm01a).get("/").content.decode()
    assert 'data-testid="card-check"' in html
    assert "card-" not in signed_in(lead01).get("/").content.decode()


def test_conversation_page_is_scoped(signed_in, rm01a, rm02a, lead01, lead02, compliance):
    messages_ingest(items=[item("rm01a", f"第{i}句") for i in range(30)], by=rm01a, gateway=True)
    from compliance.models import Message

    focus = Message.objects.get(seq=15)
    url = f"/compliance/conversations/{focus.conversation_id}/?focus={focus.pk}"
    for user in (rm01a, lead01, compliance):
        html = signed_in(user).get(url).content.decode()
        assert "第4句" in html and "第3句" not in html and "第24句" in html and "第25句" not in html
    for user in (rm02a, lead02):
        assert signed_in(user).get(url).status_code == 404


def test_lexicon_editor_shows_a_duplicate_on_the_term_field(signed_in, compliance):
    demo_terms()
    officer = signed_in(compliance)
    r = officer.post("/compliance/terms/", {"term": "保本", "category": "承诺收益", "severity": "block"})
    assert r.status_code == 200
    assert r.context["form"].errors["term"] == ["该敏感词已存在"]
    assert Term.objects.filter(term="保本").count() == 1
    other = Term.objects.get(term="加微信")
    r = officer.post(f"/compliance/terms/{other.pk}/", {"term": "保本", "category": "x", "severity": "warn"})
    assert r.status_code == 200 and r.context["form"].errors["term"] == ["该敏感词已存在"]
    other.refresh_from_db()
    assert (other.term, other.severity) == ("加微信", "warn")
    assert officer.get("/compliance/terms/999999/").status_code == 404


def test_the_lexicon_editor_refuses_a_term_that_normalises_to_nothing(signed_in, compliance):
    officer = signed_in(compliance)
    r = officer.post("/compliance/terms/", {"term": "   ---  ", "category": "承诺收益", "severity": "block"})
    assert r.status_code == 200 and "不可见字符" in r.content.decode()
    assert not Term.objects.exists()
    term = Term.objects.create(term="刚兑", category="承诺收益", severity="block")
    edit = {"term": "\u200b\u200b", "category": "x", "severity": "warn"}
    r = officer.post(f"/compliance/terms/{term.pk}/", edit)
    assert r.status_code == 200 and "不可见字符" in r.content.decode()
    term.refresh_from_db()
    assert (term.term, term.severity) == ("刚兑", "block")
