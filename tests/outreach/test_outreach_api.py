"""群发 over the API against the simulator: who is reached and who is left out (and why), refusals,
four eyes, chunks at WeCom's limit, one send however often it is asked, results polled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Message
from rm_portal.core.errors import NotAllowed
from rm_portal.org.models import Staff
from rm_portal.outreach.models import OutreachChunk, OutreachRecipient, OutreachTask
from rm_portal.outreach.services import sending
from rm_portal.outreach.services.outreach import outreach_approve
from tests.compliance.factories import demo_terms
from tests.materials.factories import product
from tests.outreach.conftest import contact, customer, quick, reachable

URL = "/api/v1/outreach/"
pytestmark = pytest.mark.django_db


def body(**overrides) -> dict:
    return {
        "name": "年末理财提醒",
        "text": "您好，年末理财产品已上线，欢迎咨询。",
        "segment": "vips",
        **overrides,
    }


def templates(sim) -> list[dict]:
    return list(sim.get("/_sim/state")["templates"].values())


def test_recipients_and_every_exclusion_by_reason(api, rm01a, rm02a, hq_admin, vip, vip_segment, sim):
    ok = reachable(rm01a, sim, tag=vip)
    welcomed = customer(rm01a, tag=vip)
    contact(rm01a, welcomed, sim, welcome_sent_at=timezone.now())  # a welcome is no marketing message
    reachable(rm01a, sim, tag=vip, consents={"wealth": False, "loan": True})  # no_consent
    reachable(rm01a, sim, tag=vip, rating="C1")  # unsuitable for an R3 product
    customer(rm01a, tag=vip)  # not_contact
    capped = reachable(rm01a, sim, tag=vip)
    earlier = OutreachTask.objects.create(
        name="旧", text="x", category="wealth", selection="own", created_by=rm01a, status="sent"
    )
    for _ in range(2):
        OutreachRecipient.objects.create(
            task=earlier, customer=capped, status="sent", handed_at=timezone.now() - timedelta(days=3)
        )
    reachable(rm02a, sim, tag=vip)  # another branch's: outside the RM's scope, not counted at all
    material = product(hq_admin, risk_level="R3", marketing_category="wealth")

    answer = api(rm01a).post(URL, body(material=material.pk), format="json")

    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert data["status"] == "approved"
    assert data["recipients"] == 2
    assert data["excluded"] == {"no_consent": 1, "frequency_cap": 1, "unsuitable": 1, "not_contact": 1}
    queued = OutreachRecipient.objects.filter(task_id=data["id"], status="queued")
    assert {r.customer_id for r in queued} == {ok.pk, welcomed.pk}


def test_preview_stores_nothing(api, rm01a, vip, vip_segment, sim):
    reachable(rm01a, sim, tag=vip)
    answer = api(rm01a).post(URL + "preview/", body(category="wealth"), format="json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["recipients"] == 1
    assert not OutreachTask.objects.exists()


def test_block_hit_refused_with_its_hits_and_nothing_stored(api, rm01a, vip, vip_segment, sim):
    demo_terms()
    reachable(rm01a, sim, tag=vip)
    answer = api(rm01a).post(URL, body(text="本产品保证收益，快来买", category="wealth"), format="json")
    assert answer.status_code == 400
    assert [h["term"] for h in answer.json()["hits"]] == ["保证收益"]
    assert not OutreachTask.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"text": "理" * 1334}, "text"),  # 4,002 bytes: over WeCom's 4,000
        ({"segment": "", "tags": ["vip"], "own": True}, "selection"),
        ({"category": "gold"}, "category"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_malformed_input_is_a_400_naming_it(api, rm01a, vip, vip_segment, overrides, key):
    answer = api(rm01a).post(URL, body(**{"category": "wealth", **overrides}), format="json")
    assert answer.status_code == 400
    assert key in str(answer.json())
    assert not OutreachTask.objects.exists()


def test_empty_selection_says_why(api, rm01a, rm02a, vip, vip_segment, sim):
    reachable(rm02a, sim, tag=vip)  # only another branch's customers carry the tag
    answer = api(rm01a).post(URL, body(category="wealth"), format="json")
    assert answer.status_code == 400
    assert "没有客户" in answer.json()["segment"][0]
    customer(rm01a, tag=vip)  # in scope, but no contact of the RM
    answer = api(rm01a).post(URL, body(category="wealth"), format="json")
    assert answer.status_code == 400
    assert answer.json()["excluded"]["not_contact"] == 1
    assert not OutreachTask.objects.exists()


def test_unknown_segment_and_senders_outside_scope_are_404(api, lead01, rm02a, vip, vip_segment):
    assert api(lead01).post(URL, body(segment="nope", category="wealth"), format="json").status_code == 404
    outside = body(category="wealth", senders=["rm02a"])
    assert api(lead01).post(URL, outside, format="json").status_code == 404


def test_roles_and_scope(api, rm01a, rm02a, compliance, vip, vip_segment, sim):
    reachable(rm01a, sim, tag=vip)
    assert api(compliance).post(URL, body(category="wealth"), format="json").status_code == 403
    task = api(rm01a).post(URL, body(category="wealth"), format="json").json()
    assert api(rm02a).get(f"{URL}{task['id']}/").status_code == 404
    assert api(rm02a).post(f"{URL}{task['id']}/send/").status_code == 404
    assert api(rm01a).get(URL).json()["count"] == 1
    assert api(rm02a).get(URL).json()["count"] == 0


def test_head_office_across_branches_needs_compliance_four_eyes(
    api, rm01a, rm02a, hq_admin, compliance, vip, vip_segment, sim, django_capture_on_commit_callbacks
):
    reachable(rm01a, sim, tag=vip)
    reachable(rm02a, sim, tag=vip)
    task = api(hq_admin).post(URL, body(category="wealth"), format="json").json()
    assert task["status"] == "pending_approval" and task["cross_branch"] is True
    assert api(hq_admin).post(f"{URL}{task['id']}/send/").status_code == 409
    assert api(hq_admin).post(f"{URL}{task['id']}/approve/").status_code == 403
    assert templates(sim) == []
    queue = api(compliance).get(URL, {"status": "pending_approval"}).json()
    assert [t["id"] for t in queue["results"]] == [task["id"]]
    approved = api(compliance).post(f"{URL}{task['id']}/approve/")
    assert approved.status_code == 200
    assert approved.json()["approved_by"]["username"] == "compliance"
    with django_capture_on_commit_callbacks(execute=True):
        sent = api(hq_admin).post(f"{URL}{task['id']}/send/")
    assert sent.status_code == 200
    wecom_ids = sorted(Staff.objects.filter(user__in=[rm01a, rm02a]).values_list("wechat_id", flat=True))
    assert sorted(t["sender"] for t in templates(sim)) == wecom_ids
    # Archived like any other message, with who approved it.
    texts = list(Message.objects.values_list("content", flat=True))
    assert len(texts) == 2 and all("审批人：赵合规" in t for t in texts)


def test_the_creator_never_approves_their_own(rm01a, compliance):
    task = OutreachTask.objects.create(
        name="x",
        text="x",
        category="wealth",
        selection="own",
        created_by=compliance,
        status="pending_approval",
    )
    with pytest.raises(NotAllowed):
        outreach_approve(task=task, by=compliance)


def test_chunks_at_the_limit_and_sending_twice_sends_once(
    api, rm01a, settings, sim, django_capture_on_commit_callbacks
):
    settings.OUTREACH_CHUNK_SIZE = 3
    for _ in range(7):
        reachable(rm01a, sim)
    task = api(rm01a).post(URL, body(segment="", own=True, category="wealth"), format="json").json()
    assert task["recipients"] == 7
    with django_capture_on_commit_callbacks(execute=True):
        first = api(rm01a).post(f"{URL}{task['id']}/send/")
    with django_capture_on_commit_callbacks(execute=True):
        second = api(rm01a).post(f"{URL}{task['id']}/send/")
    assert (first.json()["status"], second.json()["status"]) == ("sending", "sent")
    assert sorted(len(t["send_list"]) for t in templates(sim)) == [1, 3, 3]
    assert sending.outreach_retry_due(client=quick()) == 0
    assert len(templates(sim)) == 3
    msgids = set(OutreachChunk.objects.values_list("msgid", flat=True))
    assert msgids == {t["msgid"] for t in templates(sim)}


def test_a_refused_chunk_is_recorded_retried_after_its_pause_and_never_doubled(
    api, rm01a, settings, sim, django_capture_on_commit_callbacks
):
    settings.OUTREACH_CHUNK_SIZE = 2
    for _ in range(4):
        reachable(rm01a, sim)
    task = api(rm01a).post(URL, body(segment="", own=True, category="wealth"), format="json").json()
    # The first chunk goes through; the second meets 45009 on every one of the client's 3 tries.
    sim.post("/_sim/rate_limit", {"count": 0})
    tpl = OutreachTask.objects.get(pk=task["id"])
    sending.outreach_send(task=tpl, by=rm01a)  # claims and makes the chunks; the task is run below
    _first, second = OutreachChunk.objects.filter(task=tpl).order_by("seq")
    OutreachChunk.objects.filter(pk=second.pk).update(next_attempt_at=timezone.now() + timedelta(hours=1))
    assert sending.outreach_chunks_send(task_id=tpl.pk, client=quick()) == 1
    sim.post("/_sim/rate_limit", {"count": 3, "path": sending.SEND})
    OutreachChunk.objects.filter(pk=second.pk).update(next_attempt_at=None)
    assert sending.outreach_chunks_send(task_id=tpl.pk, client=quick()) == 0
    second.refresh_from_db()
    assert (second.status, second.attempts, second.msgid) == ("queued", 1, "")
    assert "45009" in second.error
    assert second.next_attempt_at > timezone.now()
    assert sending.outreach_retry_due(client=quick()) == 0  # still pausing
    assert sending.outreach_retry_due(client=quick(), now=timezone.now() + timedelta(minutes=2)) == 1
    assert len(templates(sim)) == 2
    tpl.refresh_from_db()
    assert tpl.status == "sent"


def test_results_polled_until_final_and_the_rm_sees_what_waits(
    api, rm01a, rm01b, sim, django_capture_on_commit_callbacks, client, password
):
    gone = reachable(rm01a, sim)
    for _ in range(2):
        reachable(rm01a, sim)
    task = api(rm01a).post(URL, body(segment="", own=True, category="wealth"), format="json").json()
    with django_capture_on_commit_callbacks(execute=True):
        api(rm01a).post(f"{URL}{task['id']}/send/")
    assert sending.outreach_results_poll(client=quick()) == 1
    detail = api(rm01a).get(f"{URL}{task['id']}/").json()
    assert detail["results"]["pending"] == 3
    client.force_login(rm01a)
    assert "1 条群发待确认" in client.get("/").content.decode()

    external = OutreachRecipient.objects.get(customer=gone).external_userid
    sim.post("/_sim/remove", {"userid": rm01a.staff.wechat_id, "external_userid": external})
    msgid = OutreachChunk.objects.get().msgid
    sim.post("/_sim/confirm_groupmsg", {"msgid": msgid})
    # Opening the task asks WeCom once more.
    detail = api(rm01a).get(f"{URL}{task['id']}/").json()
    assert detail["results"]["sent"] + detail["results"]["not_friend"] == 3
    assert detail["senders"][0]["username"] == "rm01a"
    assert sending.outreach_results_poll(client=quick()) == 0
    assert "条群发待确认" not in client.get("/").content.decode()
