"""Built-in detectors an officer switches on/off and grades, and the masked text of /check/."""

from __future__ import annotations

import pytest

from compliance.models import DetectorSetting
from tests.compliance.factories import demo_terms

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/compliance/check/"
DETECTORS = "/api/v1/compliance/detectors/"


def check(client, text: str) -> dict:
    r = client.post(CHECK, {"text": text}, format="json")
    assert r.status_code == 200
    return r.json()


def test_check_masks_every_hit_and_keeps_spans(api, rm01a):
    demo_terms()
    text = "保 證-收益，加我ＶＸ：zhangxm 或 13800138000"
    body = check(api(rm01a), text)
    assert len(body["masked"]) == len(text)
    assert [h["term"] for h in body["hits"]] == ["保证收益", "微信/QQ号", "手机号码"]
    expected = list(text)
    for hit in body["hits"]:
        assert text[hit["start"] : hit["end"]] == hit["matched"]
        expected[hit["start"] : hit["end"]] = "*" * (hit["end"] - hit["start"])
    assert body["masked"] == "".join(expected)
    assert body["masked"].startswith("******，加我") and "zhangxm" not in body["masked"]
    assert check(api(rm01a), "你好")["masked"] == "你好"


def test_detector_list_defaults_and_roles(api, anon, compliance, hq_admin, rm01a, lead01):
    r = api(compliance).get(DETECTORS)
    assert r.status_code == 200
    body = r.json()
    assert [d["kind"] for d in body] == [
        "mobile",
        "landline",
        "contact_id",
        "email",
        "url",
        "bank_card",
        "id_number",
    ]
    assert all(d["enabled"] and d["updated_by"] is None for d in body)
    assert {d["kind"]: d["severity"] for d in body}["id_number"] == "block"
    assert api(hq_admin).get(DETECTORS).status_code == 200  # head office reads
    assert api(hq_admin).patch(DETECTORS + "mobile/", {"enabled": False}, format="json").status_code == 403
    for user in (rm01a, lead01):
        assert api(user).get(DETECTORS).status_code == 403
        assert api(user).patch(DETECTORS + "mobile/", {"enabled": False}, format="json").status_code == 403
    assert anon.get(DETECTORS).status_code == 401
    assert api(compliance).get(DETECTORS + "nonsense/").status_code == 404
    assert api(compliance).get(DETECTORS + "email/").json()["name"] == "电子邮箱"


def test_officer_switches_a_detector_off_and_grades_another(api, compliance, rm01a):
    text = "电话13800138000，卡号6222020200112233446"
    assert [(h["term"], h["severity"]) for h in check(api(rm01a), text)["hits"]] == [
        ("手机号码", "warn"),
        ("银行卡号", "block"),
    ]
    officer = api(compliance)
    r = officer.patch(DETECTORS + "mobile/", {"enabled": False}, format="json")
    assert r.status_code == 200 and r.json()["enabled"] is False
    assert r.json()["updated_by"]["username"] == "compliance"
    r = officer.patch(DETECTORS + "bank_card/", {"severity": "record"}, format="json")
    assert r.status_code == 200
    body = check(api(rm01a), text)  # at once in this process; elsewhere within the version TTL
    assert [(h["term"], h["severity"]) for h in body["hits"]] == [("银行卡号", "record")]
    assert body["allowed"] is True


def test_url_allow_list(api, compliance, rm01a):
    text = "详见 https://www.mybank.cn/p 或 https://evil.example.com"
    assert [h["matched"] for h in check(api(rm01a), text)["hits"]] == [
        "https://www.mybank.cn/p",
        "https://evil.example.com",
    ]
    r = api(compliance).patch(
        DETECTORS + "url/", {"allow_domains": ["MyBank.cn", " *.mybank.com "]}, format="json"
    )
    assert r.status_code == 200 and r.json()["allow_domains"] == ["mybank.cn", "mybank.com"]
    assert [h["matched"] for h in check(api(rm01a), text)["hits"]] == ["https://evil.example.com"]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("url", {"allow_domains": ["not a domain"]}, "allow_domains"),
        ("url", {"allow_domains": ["x.cn"] * 51}, "allow_domains"),
        ("url", {"allow_domains": "mybank.cn"}, "allow_domains"),
        ("mobile", {"allow_domains": ["mybank.cn"]}, "allow_domains"),
        ("mobile", {"severity": "loud"}, "severity"),
        ("mobile", {"enabled": "maybe"}, "enabled"),
        ("mobile", {"colour": "red"}, None),
    ],
)
def test_bad_detector_settings_are_400_and_change_nothing(api, compliance, kind, body, field):
    r = api(compliance).patch(DETECTORS + f"{kind}/", body, format="json")
    assert r.status_code == 400
    if field:
        assert field in r.json()
    assert not DetectorSetting.objects.exists()


def test_detector_page(client, compliance, rm01a):
    client.force_login(compliance)
    r = client.get("/compliance/detectors/")
    assert r.status_code == 200 and "手机号码" in r.text
    r = client.post("/compliance/detectors/", {"kind": "email", "severity": "block"})
    assert r.status_code == 302
    row = DetectorSetting.objects.get(kind="email")
    assert (row.enabled, row.severity) == (False, "block")  # an unticked box is off, as forms go
    r = client.post(
        "/compliance/detectors/",
        {"kind": "url", "enabled": "on", "severity": "warn", "allow_domains": "坏 域名"},
    )
    assert r.status_code == 200 and "不是有效的域名" in r.text
    assert not DetectorSetting.objects.filter(kind="url").exists()
    client.force_login(rm01a)
    assert client.get("/compliance/detectors/").status_code == 403
