from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from compliance.models import Alert, Conversation, IngestBatch, Message
from rm_portal.core.models import Job
from rm_portal.notifications.models import Notification
from rm_portal.org.models import Role
from rm_portal.wecom import crypto
from tests.compliance.factories import CustomerFactory, demo_terms, item
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/messages/"


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


def test_gateway_batch_is_stored_idempotently(api, gateway, rm01a, rm02a, b01):
    demo_terms()
    customer = CustomerFactory(branch=b01, owner=rm01a)
    batch = [
        item("rm01a", "您好", direction="in", external_contact=None, customer=customer.cust_no),
        item("rm01a", "这款产品保本", external_contact=None, customer=customer.cust_no),
        item("rm02a", "明天见"),
    ]
    r = api(gateway).post(URL, {"messages": batch}, format="json")
    assert r.status_code == 200
    assert r.json() == {"stored": 3, "duplicates": 0, "hits": 1, "errors": []}
    # a redelivery stores nothing twice
    r = api(gateway).post(URL, {"messages": batch}, format="json")
    assert r.json() == {"stored": 0, "duplicates": 3, "hits": 0, "errors": []}
    assert Message.objects.count() == 3
    conversation = Conversation.objects.get(customer=customer)
    assert conversation.rm == rm01a and conversation.last_seq == 2
    assert list(conversation.messages.values_list("seq", flat=True)) == [1, 2]


def test_rm_may_archive_only_their_own(api, rm01a, rm01b):
    r = api(rm01a).post(URL, {"messages": [item("rm01a", "好的"), item("rm01b", "好的")]}, format="json")
    assert r.status_code == 200
    body = r.json()
    assert body["stored"] == 1
    assert body["errors"] == [{"index": 1, "detail": "rm: 只能上传本人的会话"}]


def test_roles_outside_are_refused(api, anon, lead01, compliance, hq_admin):
    batch = {"messages": [item("rm01a", "x")]}
    assert anon.post(URL, batch, format="json").status_code == 401
    for user in (lead01, compliance, hq_admin):
        assert api(user).post(URL, batch, format="json").status_code == 403
    assert Message.objects.count() == 0


def test_bad_items_are_reported_by_index_and_valid_ones_stored(api, gateway, rm01a):
    future = (timezone.now() + timedelta(days=7)).isoformat()
    batch = [
        item("rm01a", "正常消息"),  # 0 ok
        {"channel": "wecom", "rm": "rm01a"},  # 1 missing fields
        item("rm01a", 42),  # 2 wrong type
        item("rm01a", "来自未来", sent_at=future),  # 3 far in the future
        item("rm01a", "x" * (1024 * 1024)),  # 4 a 1 MB message
        item("rm01a", "坏\ud800字符"),  # 5 lone surrogate
        item("rm01a", "控制\x07字符"),  # 6 control character
        item("nobody", "不存在的客户经理"),  # 7 unknown RM
        item("rm01a", "不存在的客户", external_contact=None, customer="C404"),  # 8 unknown customer
        item("rm01a", "未知字段", colour="red"),  # 9 unknown field
        "not an object",  # 10
        item("rm01a", "时间格式", sent_at="yesterday"),  # 11
        item("rm01a", "方向", direction="sideways"),  # 12
        item("rm01a", "第二条正常\n换行可以"),  # 13 ok
    ]
    # ASCII-escaped JSON, as a client would send a lone surrogate ("\\ud800")
    r = api(gateway).post(URL, json.dumps({"messages": batch}), content_type="application/json")
    assert r.status_code == 200, r.content[:300]
    body = r.json()
    assert body["stored"] == 2
    assert [e["index"] for e in body["errors"]] == list(range(1, 13))
    assert all(e["detail"] for e in body["errors"])
    assert set(Message.objects.values_list("content", flat=True)) == {"正常消息", "第二条正常\n换行可以"}


def test_malformed_batches_answer_400(api, gateway):
    client = api(gateway)
    assert client.post(URL, {"messages": "x"}, format="json").status_code == 400
    assert client.post(URL, {"messages": []}, format="json").status_code == 400
    assert client.post(URL, {"msgs": []}, format="json").status_code == 400
    assert client.post(URL, [1], format="json").status_code == 400
    assert client.post(URL, "{not json", content_type="application/json").status_code == 400
    over = {"messages": [item("rm01a", "x") for _ in range(1001)]}
    assert client.post(URL, over, format="json").status_code == 400
    assert Message.objects.count() == 0


def test_duplicates_inside_one_batch_are_counted_once(api, gateway, rm01a):
    one = item("rm01a", "同一条")
    r = api(gateway).post(URL, {"messages": [one, one]}, format="json")
    assert r.json()["stored"] == 1 and r.json()["duplicates"] == 1


def test_hits_create_one_alert_per_message_and_notify(api, gateway, rm01a, compliance, lead01, lead02):
    demo_terms()
    batch = [item("rm01a", "保证收益，还可以加微信"), item("rm01a", "加 微 信吧"), item("rm01a", "你好")]
    r = api(gateway).post(URL, {"messages": batch}, format="json")
    assert r.json()["hits"] == 2
    alerts = list(Alert.objects.order_by("pk"))
    assert [a.severity for a in alerts] == ["block", "warn"]
    assert [h["term"] for h in alerts[0].hits] == ["保证收益", "加微信"]
    assert alerts[0].category_list == ["引导私加联系方式", "承诺收益"]
    assert Notification.objects.filter(recipient=compliance).count() == 2
    # high severity also goes to the RM's branch lead, not to another branch's
    assert Notification.objects.filter(recipient=lead01).count() == 1
    assert Notification.objects.filter(recipient=lead02).count() == 0


def test_large_batch_goes_through_the_worker(api, gateway, rm01a, settings):
    settings.COMPLIANCE_SYNC_BATCH = 5
    batch = [item("rm01a", f"消息{i}") for i in range(8)] + [{"bad": 1}]
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        r = api(gateway).post(URL, {"messages": batch}, format="json")
    assert r.status_code == 202
    job = Job.objects.get(pk=r.json()["job"])
    assert job.state == Job.State.DONE and job.processed == 9
    assert job.result == {"stored": 8, "duplicates": 0, "hits": 0}
    assert job.errors[0]["index"] == 8
    # the task is safe to run twice: nothing stored twice
    from compliance.models import IngestBatch
    from compliance.services.batches import ingest_batch_run

    assert ingest_batch_run(batch_id=IngestBatch.objects.get().pk)["duplicates"] == 8
    assert Message.objects.count() == 8


AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


@pytest.fixture
def wecom_conf(settings):
    settings.COMPLIANCE_WECOM_TOKEN = "tok"
    settings.COMPLIANCE_WECOM_AES_KEY = AES_KEY
    settings.COMPLIANCE_WECOM_CORP_ID = "ww123"


def _signed(payload: dict, *, token: str = "tok") -> tuple[str, str]:  # noqa: S107
    encrypted = crypto.encrypt(json.dumps(payload).encode(), aes_key=AES_KEY, corp_id="ww123")
    signature = crypto.signature(token, "1700000000", "n0nce", encrypted)
    query = f"?msg_signature={signature}&timestamp=1700000000&nonce=n0nce"
    return (
        query,
        f"<xml><ToUserName><![CDATA[ww123]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>",
    )


def test_wecom_callback_verifies_and_decrypts(anon, wecom_conf, gateway, rm01a):
    query, body = _signed({"messages": [item("rm01a", "经网关推送")]})
    url = "/api/v1/compliance/wecom/callback/"
    r = anon.post(url + query, body, content_type="text/xml")
    assert r.status_code == 200, r.content
    assert r.json()["stored"] == 1
    # replayed: idempotent
    assert anon.post(url + query, body, content_type="text/xml").json()["duplicates"] == 1
    # a wrong signature is refused and stores nothing
    bad_query, bad_body = _signed({"messages": [item("rm01a", "伪造")]}, token="wrong")
    assert anon.post(url + bad_query, bad_body, content_type="text/xml").status_code == 403
    assert anon.post(url, body, content_type="text/xml").status_code == 403
    assert anon.post(url + query, "<xml></xml>", content_type="text/xml").status_code == 400
    assert Message.objects.count() == 1


def test_wecom_url_verification_echo(anon, wecom_conf):
    echostr = crypto.encrypt(b"echo-123", aes_key=AES_KEY, corp_id="ww123")
    signature = crypto.signature("tok", "1", "2", echostr)
    from urllib.parse import urlencode

    params = urlencode({"msg_signature": signature, "timestamp": "1", "nonce": "2", "echostr": echostr})
    r = anon.get(f"/api/v1/compliance/wecom/callback/?{params}")
    assert r.status_code == 200 and r.content == b"echo-123"


def test_wecom_callback_unconfigured_is_refused(anon):
    assert anon.post(
        "/api/v1/compliance/wecom/callback/", "{}", content_type="application/json"
    ).status_code in (
        400,
        403,
    )


def test_wecom_callback_bad_payloads_are_400_and_store_nothing(anon, wecom_conf, gateway, rm01a):
    url = "/api/v1/compliance/wecom/callback/"

    def signed_raw(plain: bytes, *, aes_key: str = AES_KEY, corp_id: str = "ww123") -> tuple[str, str]:
        encrypted = crypto.encrypt(plain, aes_key=aes_key, corp_id=corp_id)
        signature = crypto.signature("tok", "1", "2", encrypted)
        return f"?msg_signature={signature}&timestamp=1&nonce=2", json.dumps({"encrypt": encrypted})

    for plain in (b"not json", b"[1, 2]", json.dumps({"messages": []}).encode(), b'{"msgs": []}'):
        query, body = signed_raw(plain)
        r = anon.post(url + query, body, content_type="application/json")
        assert r.status_code == 400, (plain, r.content)
    # signed, but for another corp (or under another key): refused as undecryptable
    query, body = signed_raw(b'{"messages": []}', corp_id="ww999")
    assert anon.post(url + query, body, content_type="application/json").status_code == 400
    other_key = "B" * 43
    query, body = signed_raw(b'{"messages": []}', aes_key=other_key)
    assert anon.post(url + query, body, content_type="application/json").status_code == 400
    assert Message.objects.count() == 0


def test_wecom_callback_without_a_gateway_account_is_refused(anon, wecom_conf, rm01a):
    query, body = _signed({"messages": [item("rm01a", "无网关")]})
    r = anon.post("/api/v1/compliance/wecom/callback/" + query, body, content_type="text/xml")
    assert r.status_code == 403 and r.json()["detail"]
    assert Message.objects.count() == 0


def test_a_batch_that_breaks_fails_its_job_on_the_last_attempt_only(gateway, rm01a, monkeypatch):
    from compliance.services import batches

    with TestCase.captureOnCommitCallbacks(execute=False):
        job = batches.ingest_batch_enqueue(items=[item("rm01a", "x")], by=gateway)
    batch_id = IngestBatch.objects.get(job=job).pk

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(batches, "items_store", broken)
    with pytest.raises(RuntimeError):
        batches.ingest_batch_run(batch_id=batch_id, final=False)
    job.refresh_from_db()
    assert job.state == Job.State.RUNNING  # a retry is still to come
    with pytest.raises(RuntimeError):
        batches.ingest_batch_run(batch_id=batch_id, final=True)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.errors[-1]["detail"]
    assert "database went away" not in str(job.errors)  # the generic reason, not the internals
    assert Message.objects.count() == 0


def test_new_conversations_cost_no_query_each(rm01a):
    """A batch opening 40 conversations takes as many queries as one opening 4."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from compliance.services.ingestion import messages_ingest

    def ingest(count: int, tag: str) -> int:
        items = [item("rm01a", "您好", external_contact=f"wm-{tag}-{n}") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            assert messages_ingest(items=items, by=rm01a, gateway=True).stored == count
        return len(queries)

    ingest(1, "warm")  # the lexicon's first load
    assert ingest(4, "few") == ingest(40, "many")
    assert Conversation.objects.filter(rm=rm01a).count() == 45
