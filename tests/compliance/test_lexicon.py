from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from compliance.models import LexiconVersion, Term
from compliance.services import lexicon as lexicon_service
from compliance.services.lexicon import current_lexicon, term_create, text_check
from tests.compliance.factories import demo_terms

pytestmark = pytest.mark.django_db


def test_check_blocks_warns_and_reports_original_spans(api, rm01a):
    demo_terms()
    text = "放心，保 證-收益，另外加\u200b微\u200b信"
    r = api(rm01a).post("/api/v1/compliance/check/", {"text": text}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body["allowed"] is False
    assert [(h["term"], h["severity"]) for h in body["hits"]] == [("保证收益", "block"), ("加微信", "warn")]
    for hit in body["hits"]:
        assert text[hit["start"] : hit["end"]] == hit["matched"]
    assert body["suggestions"] == ["理财非存款", "请用企业微信"]


def test_warn_only_is_allowed_and_allow_phrase_passes(api, rm01a, compliance, hq_admin, lead01):
    demo_terms()
    for user in (rm01a, compliance, hq_admin, lead01):  # every role may check before sending
        r = api(user).post("/api/v1/compliance/check/", {"text": "加微信聊"}, format="json")
        assert r.status_code == 200 and r.json()["allowed"] is True and r.json()["hits"]
    r = api(rm01a).post("/api/v1/compliance/check/", {"text": "本产品不保本"}, format="json")
    assert r.json() == {"allowed": True, "hits": [], "suggestions": [], "masked": "本产品不保本"}


def test_check_bad_input(api, anon, rm01a):
    assert anon.post("/api/v1/compliance/check/", {"text": "x"}, format="json").status_code == 401
    client = api(rm01a)
    assert client.post("/api/v1/compliance/check/", {"txt": "x"}, format="json").status_code == 400
    assert client.post("/api/v1/compliance/check/", {"text": 5, "x": 1}, format="json").status_code == 400
    assert client.post("/api/v1/compliance/check/", {"text": "保" * 70_000}, format="json").status_code == 400
    assert client.post("/api/v1/compliance/check/", [1, 2], format="json").status_code == 400


def test_lexicon_hot_reload_without_restart(api, rm01a, compliance):
    client = api(rm01a)
    assert client.post("/api/v1/compliance/check/", {"text": "高息揽储"}, format="json").json()["hits"] == []
    r = api(compliance).post(
        "/api/v1/compliance/terms/",
        {"term": "高息揽储", "category": "私下交易", "severity": "block", "suggestion": "按挂牌利率"},
        format="json",
    )
    assert r.status_code == 201
    body = client.post("/api/v1/compliance/check/", {"text": "高息揽储"}, format="json").json()
    assert body["allowed"] is False and body["hits"][0]["term"] == "高息揽储"
    # deactivating takes effect the same way
    r = api(compliance).patch(f"/api/v1/compliance/terms/{r.json()['id']}/", {"active": False}, format="json")
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.post("/api/v1/compliance/check/", {"text": "高息揽储"}, format="json").json()["hits"] == []


def test_another_process_edit_is_seen_within_the_cache_ttl(compliance, monkeypatch):
    """Another process changed the lexicon: this one sees the new version once the cached
    version expires (simulated by clearing the cache), and rebuilds once, not per request."""
    term_create(term="飞单", category="私下交易", severity="block")
    first = current_lexicon()
    assert current_lexicon() is first  # shared, not rebuilt per call
    Term.objects.create(term="刷流水", category="私下交易", severity="block")
    LexiconVersion.objects.filter(pk=1).update(version=first.version + 1)
    assert current_lexicon() is first  # still inside the TTL: the cached version
    cache.delete(lexicon_service.VERSION_KEY)  # the shared cache's TTL passed…
    assert current_lexicon() is first  # …but this process read the version less than 2 s ago
    later = time.monotonic() + lexicon_service.VERSION_TTL + 0.1
    monkeypatch.setattr(lexicon_service.time, "monotonic", lambda: later)
    rebuilt = current_lexicon()
    assert rebuilt is not first and rebuilt.version == first.version + 1
    assert text_check(text="帮你刷流水")["hits"][0]["term"] == "刷流水"


def test_terms_api_roles_and_validation(api, anon, compliance, hq_admin, rm01a, lead01):
    demo_terms()
    assert anon.get("/api/v1/compliance/terms/").status_code == 401
    assert api(rm01a).get("/api/v1/compliance/terms/").status_code == 403
    assert api(lead01).get("/api/v1/compliance/terms/").status_code == 403
    assert api(hq_admin).get("/api/v1/compliance/terms/").json()["count"] == 4
    new = {"term": "刚兑", "category": "承诺收益", "severity": "block"}
    assert api(hq_admin).post("/api/v1/compliance/terms/", new, format="json").status_code == 403
    client = api(compliance)
    assert (
        client.post("/api/v1/compliance/terms/", {**new, "severity": "nope"}, format="json").status_code
        == 400
    )
    assert (
        client.post("/api/v1/compliance/terms/", {**new, "colour": "red"}, format="json").status_code == 400
    )
    assert client.post("/api/v1/compliance/terms/", {**new, "term": "保本"}, format="json").status_code == 409
    assert client.post("/api/v1/compliance/terms/", new, format="json").status_code == 201
    assert (
        client.patch("/api/v1/compliance/terms/999999/", {"active": False}, format="json").status_code == 404
    )
    assert Term.objects.count() == 5


def test_terms_api_edit_renames_and_changes_allow(api, compliance):
    demo_terms()
    term = Term.objects.get(term="加微信")
    r = api(compliance).patch(
        f"/api/v1/compliance/terms/{term.pk}/",
        {"term": "加个微信", "allow": ["加个微信公众号"]},
        format="json",
    )
    assert r.status_code == 200 and r.json()["term"] == "加个微信"
    assert text_check(text="加个微信公众号")["hits"] == []
    assert text_check(text="加个 微信")["hits"][0]["term"] == "加个微信"
    r = api(compliance).patch(f"/api/v1/compliance/terms/{term.pk}/", {"term": "保本"}, format="json")
    assert r.status_code == 409


def test_lone_surrogates_and_control_characters_are_400_not_500(api, rm01a, compliance):
    import json

    for path, body in (
        ("/api/v1/compliance/check/", {"text": "保\ud800本"}),
        ("/api/v1/compliance/check/", {"text": "保\x00本"}),
        ("/api/v1/compliance/terms/", {"term": "坏\udfff", "category": "x", "severity": "block"}),
        (
            "/api/v1/compliance/terms/",
            {"term": "好", "category": "x", "severity": "block", "allow": ["\ud800"]},
        ),
    ):
        user = compliance if "terms" in path else rm01a
        r = api(user).post(path, json.dumps(body), content_type="application/json")
        assert r.status_code == 400, (path, r.content)
    assert Term.objects.count() == 0


def test_term_detail_for_compliance_and_head_office_only(api, anon, compliance, hq_admin, rm01a, lead01):
    demo_terms()
    term = Term.objects.get(term="加微信")
    url = f"/api/v1/compliance/terms/{term.pk}/"
    for user in (compliance, hq_admin):
        r = api(user).get(url)
        assert r.status_code == 200
        assert r.json()["term"] == "加微信" and r.json()["suggestion"] == "请用企业微信"
    for user in (rm01a, lead01):
        assert api(user).get(url).status_code == 403
    assert anon.get(url).status_code == 401
    assert api(compliance).get("/api/v1/compliance/terms/999999/").status_code == 404
    # head office reads, never writes
    assert api(hq_admin).patch(url, {"active": False}, format="json").status_code == 403
    assert Term.objects.get(pk=term.pk).active is True


def test_term_list_filters(api, compliance):
    demo_terms()
    client = api(compliance)
    r = client.get("/api/v1/compliance/terms/", {"category": "承诺收益"})
    assert sorted(t["term"] for t in r.json()["results"]) == ["保本", "保证收益"]
    r = client.get("/api/v1/compliance/terms/", {"q": "收益"})
    assert [t["term"] for t in r.json()["results"]] == ["保证收益"]
    assert client.get("/api/v1/compliance/terms/", {"q": "飞单"}).json()["count"] == 0
    assert client.get("/api/v1/compliance/terms/", {"q": "x" * 65}).status_code == 400


def test_term_patch_bad_input_changes_nothing(api, compliance):
    demo_terms()
    term = Term.objects.get(term="加微信")
    url = f"/api/v1/compliance/terms/{term.pk}/"
    client = api(compliance)
    for body in (
        {"severity": "nope"},
        {"term": ""},
        {"term": "x" * 65},
        {"allow": "not a list"},
        {"allow": ["x"] * 51},
        {"colour": "red"},
    ):
        assert client.patch(url, body, format="json").status_code == 400, body
    r = client.patch(url, {"term": "保本", "severity": "warn"}, format="json")
    assert r.status_code == 409 and "term" in r.json()
    term.refresh_from_db()
    assert (term.term, term.severity, term.allow) == ("加微信", "warn", [])


ZW4 = "\u200b" * 4


def test_invisible_characters_neither_pass_the_check_nor_escape_the_alert(api, rm01a, hq):
    """The finding: four zero-width spaces between characters were allowed and raised no alert."""
    from compliance.models import Alert
    from compliance.services.ingestion import messages_ingest
    from tests.compliance.factories import item

    term_create(term="保本保收益", category="承诺收益", severity="block")
    text = f"保{ZW4}本保{ZW4}收{ZW4}益"
    body = api(rm01a).post("/api/v1/compliance/check/", {"text": text}, format="json").json()
    assert body["allowed"] is False
    assert [(h["start"], h["end"], h["matched"]) for h in body["hits"]] == [(0, len(text), text)]
    tagged = "\U000e0041".join("保本保收益")  # Unicode tag characters
    messages_ingest(items=[item("rm01a", text), item("rm01a", tagged)], by=rm01a, gateway=True)
    assert sorted(a.hits[0]["matched"] for a in Alert.objects.all()) == sorted([text, tagged])


EMPTY_TERMS = ["\u200b\u200b", "   ---  ", "\u00ad\u200d\ufe0f", "，。！", "😀"]


@pytest.mark.parametrize("empty", EMPTY_TERMS)
def test_a_term_that_normalises_to_nothing_is_refused_with_the_field(api, compliance, empty):
    client = api(compliance)
    new = {"term": empty, "category": "承诺收益", "severity": "block"}
    r = client.post("/api/v1/compliance/terms/", new, format="json")
    assert r.status_code == 400 and "不可见字符" in r.json()["term"][0]
    assert not Term.objects.exists()
    term = term_create(term="刚兑", category="承诺收益", severity="block")
    r = client.patch(f"/api/v1/compliance/terms/{term.pk}/", {"term": empty}, format="json")
    assert r.status_code == 400 and "term" in r.json()
    term.refresh_from_db()
    assert term.term == "刚兑"


def test_an_allow_phrase_that_normalises_to_nothing_is_refused(api, compliance):
    r = api(compliance).post(
        "/api/v1/compliance/terms/",
        {"term": "保本", "category": "承诺收益", "severity": "block", "allow": ["不保本", "\u200b"]},
        format="json",
    )
    assert r.status_code == 400 and "allow" in r.json()
    assert not Term.objects.exists()


def test_checks_within_the_ttl_read_neither_cache_nor_database(
    compliance, monkeypatch, django_assert_num_queries
):
    """The hot path of the compose box: the version is this process's memory for 2 s."""
    term_create(term="飞单", category="私下交易", severity="block")
    text_check(text="预热")
    reads: list[str] = []
    real_get = lexicon_service.cache.get

    def counting_get(key, *args, **kwargs):
        reads.append(key)
        return real_get(key, *args, **kwargs)

    monkeypatch.setattr(lexicon_service.cache, "get", counting_get)
    with django_assert_num_queries(0):
        for _ in range(20):
            assert text_check(text="帮你做飞单")["allowed"] is False
    assert reads == []
