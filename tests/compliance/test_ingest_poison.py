"""Poison items: each is that item's error, by index, in small (sync) and large (worker) batches
alike; the good items beside it are stored and nothing answers 500. And the archive search's
date range."""

from __future__ import annotations

import json

import pytest
from django.test import TestCase

from compliance.models import Message
from rm_portal.core.models import Job
from rm_portal.org.models import Role
from tests.compliance.factories import item
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/compliance/messages/"


@pytest.fixture
def gateway(hq):
    return StaffFactory(user__username="gateway", role=Role.GATEWAY, branch=hq, name="网关").user


def _post(client, batch: list) -> object:
    # ASCII-escaped JSON, as a client sends "\ud800" and "\u0000"
    return client.post(URL, json.dumps({"messages": batch}), content_type="application/json")


def submit(client, batch: list) -> tuple[int, list[dict]]:
    """Post a batch; (stored, errors) whether it was archived at once or by the worker."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = _post(client, batch)
    assert r.status_code in (200, 202), r.content[:300]
    r.content.decode("utf-8")  # strict: the answer is valid UTF-8, whatever the items held
    if r.status_code == 200:
        body = r.json()
        return body["stored"], body["errors"]
    job = Job.objects.get(pk=r.json()["job"])
    assert job.state == Job.State.DONE, job.errors
    assert job.processed == len(batch)
    return int(job.result["stored"]), job.errors


POISON = {
    "nul in content": lambda: item("rm01a", "空\x00字符"),
    "nul in a key": lambda: {**item("rm01a", "键"), "k\x00": 1},
    "lone surrogate in content": lambda: item("rm01a", "坏\ud800字符"),
    "lone surrogate key": lambda: {**item("rm01a", "键"), "\ud800": 1},
    "lone surrogate in external_id": lambda: item("rm01a", "号", external_id="m-\udfff"),
    "null item": lambda: None,
    "non-object item": lambda: [1, 2],
    "bad date": lambda: item("rm01a", "时间", sent_at="2024-02-30T10:00:00+08:00"),
    "year one": lambda: item("rm01a", "时间", sent_at="0001-01-01T00:00:00+08:00"),
    "year 9999": lambda: item("rm01a", "时间", sent_at="9999-12-31T23:59:59-08:00"),
    "before 2000": lambda: item("rm01a", "时间", sent_at="1999-12-31T23:59:59+08:00"),
}


@pytest.mark.parametrize("size", ["small", "large"])
def test_every_poison_item_is_its_own_error_and_the_good_ones_are_stored(api, gateway, rm01a, size):
    good = 3 if size == "small" else 510  # above COMPLIANCE_SYNC_BATCH (500): the worker
    poison = [make() for make in POISON.values()]
    batch = [item("rm01a", f"正常{i}") for i in range(good)] + poison
    stored, errors = submit(api(gateway), batch)
    assert stored == good
    assert [e["index"] for e in errors] == list(range(good, good + len(poison)))
    assert all(e["detail"] for e in errors)
    json.dumps(errors, ensure_ascii=False).encode("utf-8")  # strict: no lone surrogate in any detail
    assert Message.objects.count() == good


@pytest.mark.parametrize("size", ["small", "large"])
def test_a_poisoned_batch_can_be_sent_again(api, gateway, rm01a, size):
    good = 2 if size == "small" else 501
    batch = [item("rm01a", f"正常{i}") for i in range(good)] + [{**item("rm01a", "x"), "\ud800": 1}]
    assert submit(api(gateway), batch)[0] == good
    stored, errors = submit(api(gateway), batch)  # a retry: no 500, nothing stored twice
    assert stored == 0 and [e["index"] for e in errors] == [good]
    assert Message.objects.count() == good


def test_out_of_range_dates_name_the_item_and_the_range(api, gateway, rm01a):
    _stored, errors = submit(api(gateway), [item("rm01a", "x", sent_at="0001-01-01T00:00:00+08:00")])
    assert errors == [{"index": 0, "detail": "sent_at: 日期须在 2000-01-01 至 2099-12-31 之间"}]


def test_a_null_item_is_not_the_whole_batchs_error(api, gateway, rm01a):
    r = api(gateway).post(URL, {"messages": [item("rm01a", "好"), None]}, format="json")
    assert r.status_code == 200
    assert r.json()["stored"] == 1 and [e["index"] for e in r.json()["errors"]] == [1]


@pytest.mark.parametrize("url", [URL, "/api/v1/compliance/export/"])
@pytest.mark.parametrize(("name", "value"), [("until", "9999-12-31"), ("since", "0001-01-01")])
def test_search_dates_out_of_range_are_a_400_naming_the_parameter(api, compliance, url, name, value):
    r = api(compliance).get(url, {name: value})
    assert r.status_code == 400
    assert name in r.json()


def test_a_gateway_searching_is_told_it_may_not_search(api, gateway):
    r = api(gateway).get(URL)
    assert r.status_code == 403
    assert r.json()["detail"] == "您的角色无权检索会话存档"
    r = api(gateway).get("/api/v1/compliance/export/")
    assert r.status_code == 403


def test_a_branch_lead_uploading_is_told_it_may_not_upload(api, lead01):
    r = api(lead01).post(URL, {"messages": [item("rm01a", "x")]}, format="json")
    assert r.status_code == 403 and r.json()["detail"] == "您的角色无权上传会话存档"
