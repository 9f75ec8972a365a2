"""The 群发 pages without JavaScript: preview shows recipients and exclusions, a block hit shows its
term, create then send, compliance's queue and approval, results per RM."""

from __future__ import annotations

import pytest

from rm_portal.outreach.models import OutreachChunk, OutreachTask
from tests.compliance.factories import demo_terms
from tests.outreach.conftest import customer, reachable

pytestmark = pytest.mark.django_db


def form(**overrides) -> dict:
    return {
        "name": "年末提醒",
        "text": "您好，年末理财产品已上线。",
        "selection": "segment",
        "segment": "vips",
        "category": "wealth",
        **overrides,
    }


def test_preview_then_create_then_send(
    client, rm01a, vip, vip_segment, sim, django_capture_on_commit_callbacks
):
    reachable(rm01a, sim, tag=vip)
    customer(rm01a, tag=vip)
    client.force_login(rm01a)
    page = client.post("/outreach/new/", form(preview="1")).content.decode()
    assert "将发送给 1 位客户" in page
    assert "排除：不是发送人的企业微信客户 1 人" in page
    assert not OutreachTask.objects.exists()

    created = client.post("/outreach/new/", form(create="1"))
    task = OutreachTask.objects.get()
    assert created.url == f"/outreach/{task.pk}/"
    assert "提交企业微信发送" in client.get(created.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/outreach/{task.pk}/send/")
    assert OutreachChunk.objects.get().msgid
    page = client.get(f"/outreach/{task.pk}/").content.decode()
    assert "待确认 1" in page and "张晓明" in page


def test_a_block_hit_shows_the_term_and_stores_nothing(client, rm01a, vip, vip_segment):
    demo_terms()
    client.force_login(rm01a)
    page = client.post("/outreach/new/", form(text="保证收益的好产品", create="1")).content.decode()
    assert "内容含禁用词" in page and "<mark>保证收益</mark>" in page
    assert not OutreachTask.objects.exists()


def test_compliance_queue_and_approval(client, hq_admin, compliance, rm01a, rm02a, vip, vip_segment, sim):
    reachable(rm01a, sim, tag=vip)
    reachable(rm02a, sim, tag=vip)
    client.force_login(hq_admin)
    client.post("/outreach/new/", form(create="1"))
    task = OutreachTask.objects.get()
    assert task.status == "pending_approval"
    assert "提交企业微信发送" not in client.get(f"/outreach/{task.pk}/").content.decode()
    client.force_login(compliance)
    assert "年末提醒" in client.get("/outreach/").content.decode()
    client.post(f"/outreach/{task.pk}/approve/")
    task.refresh_from_db()
    assert (task.status, task.approved_by) == ("approved", compliance)


def test_another_branch_sees_a_404_and_compliance_cannot_compose(
    client, rm01a, rm02a, compliance, vip, vip_segment, sim
):
    reachable(rm01a, sim, tag=vip)
    client.force_login(rm01a)
    client.post("/outreach/new/", form(create="1"))
    task = OutreachTask.objects.get()
    client.force_login(rm02a)
    assert client.get(f"/outreach/{task.pk}/").status_code == 404
    client.force_login(compliance)
    assert client.get("/outreach/new/").status_code == 403
