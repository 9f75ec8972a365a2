"""A handover moves the WeChat relationship too: against the simulator over HTTP, mixed results
(success, 客户拒绝, 接替成员客户达到上限, an errcode), polled until final, never sent twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from compliance.models import Conversation
from rm_portal.customers.models import Handover
from rm_portal.customers.services.handover import handover_confirm, handover_preview
from rm_portal.org.models import Staff
from rm_portal.wecom import transfers
from rm_portal.wecom.client import WeComClient
from rm_portal.wecom.models import ContactFollow, ContactTransfer, ExternalContact, HandoverTransfer
from tests.wecom_sim.conftest import CONTACT_SECRET, CORP_ID, Client, sim_config
from wecom_sim.server import Simulator, serve_in_thread

Status = ContactTransfer.Status
IN_JOB_SEND = "/cgi-bin/externalcontact/transfer_customer"


@pytest.fixture
def sim(settings, receiver):
    simulator = Simulator(sim_config(callback=receiver.url))
    server = serve_in_thread(simulator)
    settings.WECOM_API_BASE = simulator.config.public_url
    settings.WECOM_CORP_ID = CORP_ID
    settings.WECOM_CONTACT_SECRET = CONTACT_SECRET
    yield Client(simulator.config.public_url)
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver():
    from tests.wecom_sim.conftest import Receiver

    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def people(rm01a, rm01b, lead01):
    Staff.objects.filter(user=rm01a).update(wechat_id="wx-rm01a")
    Staff.objects.filter(user=rm01b).update(wechat_id="wx-rm01b")
    return rm01a, rm01b, lead01


def quick() -> WeComClient:
    """The real client, without the pauses between its own retries (a test waits for nothing)."""
    return WeComClient(corp_id=CORP_ID, secret=CONTACT_SECRET, sleep=lambda seconds: None)


def follow(rm, external_userid: str, name: str, sim: Client | None = None, **fields) -> ContactFollow:
    """A relation on both sides: the simulator's (WeCom's) and ours."""
    if sim is not None:
        sim.post("/_sim/add_customer", {"userid": f"wx-{rm.username}", "external_userid": external_userid})
    contact, _new = ExternalContact.objects.get_or_create(
        external_userid=external_userid, defaults={"name": name}
    )
    return ContactFollow.objects.create(contact=contact, rm=rm, added_at=timezone.now(), **fields)


def hand_over(rm01a, rm01b, lead01, mode: str = Handover.Mode.RESIGNED) -> Handover:
    leaver, successor, by = (Staff.objects.select_related("user").get(user=u) for u in (rm01a, rm01b, lead01))
    preview = handover_preview(leaver=leaver, successor=successor, by=by, mode=mode)
    return handover_confirm(leaver=leaver, successor=successor, by=by, token=preview.token, mode=mode)


def statuses(handover: Handover) -> dict[str, str]:
    return dict(ContactTransfer.objects.filter(handover=handover).values_list("external_userid", "status"))


@pytest.mark.django_db
def test_mixed_results_polled_until_final_and_the_relation_moves_with_its_notes(
    sim, people, django_capture_on_commit_callbacks
):
    rm01a, rm01b, lead01 = people
    follow(rm01a, "wmLimit", "满额", sim)
    tags = [{"group_name": "客户等级", "tag_name": "高净值", "tag_id": "etHNW", "type": 1}]
    moved = follow(rm01a, "wmOk", "微信王", sim, remark="王女士", description="关注理财", wecom_tags=tags)
    follow(rm01a, "wmRefuse", "拒绝", sim)
    follow(rm01a, "wmGone", "已不在企业微信")  # WeCom knows no such relation: errcode 84061
    follow(rm01a, "wmBoth", "两人都加了", sim)
    follow(rm01b, "wmBoth", "两人都加了")  # the successor already has this one
    Conversation.objects.create(
        channel="wecom", contact="wmOk", rm=rm01a, opened_by=rm01a, branch=rm01a.staff.branch
    )
    sim.post("/_sim/transfer_refuse", {"external_userid": ["wmRefuse"]})
    sim.post("/_sim/transfer_limit", {"takeover_userid": "wx-rm01b", "count": 1, "when": "later"})

    with django_capture_on_commit_callbacks(execute=True):
        handover = hand_over(rm01a, rm01b, lead01)
    assert handover.moved["wecom_contacts"] == 5
    transfer = HandoverTransfer.objects.get(handover=handover)
    assert (transfer.kind, transfer.handover_userid, transfer.takeover_userid) == (
        "resigned",
        "wx-rm01a",
        "wx-rm01b",
    )
    assert statuses(handover) == {
        "wmLimit": Status.WAITING,
        "wmOk": Status.WAITING,
        "wmRefuse": Status.WAITING,
        "wmGone": Status.FAILED,
        "wmBoth": Status.SKIPPED,
    }
    assert ContactTransfer.objects.get(external_userid="wmGone").errcode == 84061
    # WeCom has not finished yet: polling changes nothing, and the follow stays where it was.
    assert transfers.transfers_poll(client=quick()) == 1
    assert ContactFollow.objects.get(pk=moved.pk).rm == rm01a

    sim.post("/_sim/complete_transfers", {})
    assert transfers.transfers_poll(client=quick()) == 0
    assert statuses(handover) == {
        "wmLimit": Status.LIMIT,
        "wmOk": Status.SUCCESS,
        "wmRefuse": Status.REFUSED,
        "wmGone": Status.FAILED,
        "wmBoth": Status.SKIPPED,
    }
    transfer.refresh_from_db()
    assert transfer.state == HandoverTransfer.State.DONE and transfer.finished_at is not None
    inherited = ContactFollow.objects.get(pk=moved.pk)
    assert inherited.rm == rm01b and inherited.inherited_from == rm01a and inherited.inherited_at
    # What WeCom's own inheritance drops, ours keeps.
    assert (inherited.remark, inherited.description, inherited.wecom_tags) == ("王女士", "关注理财", tags)
    # …and in WeCom itself, for the successor (the simulator, like WeCom, emptied them).
    there = sim.get("/cgi-bin/externalcontact/get", access_token=sim.token(), external_userid="wmOk")
    (theirs,) = there["follow_user"]
    assert (theirs["userid"], theirs["remark"], theirs["description"]) == ("wx-rm01b", "王女士", "关注理财")
    assert [tag["tag_id"] for tag in theirs["tags"]] == ["etHNW"]
    assert inherited.source == ContactFollow.Source.OTHER  # the source stays
    assert ContactTransfer.objects.get(external_userid="wmOk").conversations == 1
    assert Conversation.objects.get(contact="wmOk").rm == rm01b
    # The refused one stays with the leaver.
    assert ContactFollow.objects.get(contact__external_userid="wmRefuse").rm == rm01a

    progress = transfers.transfer_progress(handover.pk)
    assert progress is not None and progress.done
    assert {key: count for key, _label, count in progress.counts} == {
        "success": 1,
        "refused": 1,
        "limit": 1,
        "failed": 1,
        "skipped": 1,
    }
    words = "\n".join(progress.failures)
    assert "拒绝：客户拒绝" in words and "满额：接替成员客户达到上限" in words and "84061" in words

    # Run it all again: nothing is sent twice, nothing changes.
    sent = len(sim.get("/_sim/state")["transfers"])
    assert sent == 3
    transfers.transfer_start(handover_id=handover.pk)
    assert transfers.transfer_send(transfer_id=transfer.pk, client=quick()) == 0
    transfers.transfers_poll(client=quick())
    assert len(sim.get("/_sim/state")["transfers"]) == sent
    assert ContactTransfer.objects.filter(handover=handover).count() == 5


@pytest.mark.django_db
def test_the_lead_sees_the_failures_on_the_handover_record(
    sim, people, client, django_capture_on_commit_callbacks
):
    rm01a, rm01b, lead01 = people
    follow(rm01a, "wmRefuse", "拒绝的客户", sim)
    follow(rm01a, "wmOk", "同意的客户", sim)
    sim.post("/_sim/transfer_refuse", {"external_userid": ["wmRefuse"]})
    with django_capture_on_commit_callbacks(execute=True):
        handover = hand_over(rm01a, rm01b, lead01)
    client.force_login(lead01)
    page = client.get(f"/customers/handover/{handover.pk}/").content.decode()
    assert "企业微信客户迁移" in page and "进行中" in page and "等待接替" in page
    sim.post("/_sim/complete_transfers", {})
    transfers.transfers_poll(client=quick())
    page = client.get(f"/customers/handover/{handover.pk}/").content.decode()
    assert "已完成" in page and "拒绝的客户：客户拒绝" in page and "接替完毕" in page


@pytest.mark.django_db
def test_an_in_job_transfer_uses_the_in_job_api(sim, people, django_capture_on_commit_callbacks):
    rm01a, rm01b, lead01 = people
    follow(rm01a, "wmA", "客户甲", sim)
    with django_capture_on_commit_callbacks(execute=True):
        handover = hand_over(rm01a, rm01b, lead01, mode=Handover.Mode.IN_JOB)
    assert HandoverTransfer.objects.get(handover=handover).kind == "in_job"
    assert [t["kind"] for t in sim.get("/_sim/state")["transfers"]] == ["in_job"]
    sim.post("/_sim/complete_transfers", {})
    transfers.transfers_poll(client=quick())
    assert statuses(handover) == {"wmA": Status.SUCCESS}
    assert ContactFollow.objects.get().rm == rm01b


@pytest.mark.django_db
def test_chunks_of_a_hundred(sim, people):
    rm01a, rm01b, lead01 = people
    for n in range(250):
        follow(rm01a, f"wm{n:04d}", f"客户{n}", sim)
    handover = hand_over(rm01a, rm01b, lead01)  # no commit callbacks: start it by hand
    transfer = transfers.transfer_start(handover_id=handover.pk)
    # The simulator refuses a call of more than 100 ids (40058): all accepted means chunks.
    assert transfers.transfer_send(transfer_id=transfer.pk, client=quick()) == 250
    assert set(statuses(handover).values()) == {Status.WAITING}
    assert len(sim.get("/_sim/state")["transfers"]) == 250


@pytest.mark.django_db
def test_a_chunk_refused_by_wecom_is_retried_with_a_pause_then_fails_with_the_errcode(sim, people):
    rm01a, rm01b, lead01 = people
    follow(rm01a, "wmA", "客户甲", sim)
    handover = hand_over(rm01a, rm01b, lead01, mode=Handover.Mode.IN_JOB)  # both stay
    transfer = transfers.transfer_start(handover_id=handover.pk)
    sim.post("/_sim/rate_limit", {"count": 3, "path": IN_JOB_SEND})  # the client's 3 tries, all 45009
    now = timezone.now()
    assert transfers.transfer_send(transfer_id=transfer.pk, client=quick(), now=now) == 0
    transfer.refresh_from_db()
    assert "45009" in transfer.last_error and transfer.send_attempts == 1
    assert transfer.next_send_at == now + timedelta(seconds=30)
    assert statuses(handover) == {"wmA": Status.PENDING}
    # Not before its pause; then it goes, once.
    assert (
        transfers.transfer_send(transfer_id=transfer.pk, client=quick(), now=now + timedelta(seconds=10)) == 0
    )
    assert (
        transfers.transfer_send(transfer_id=transfer.pk, client=quick(), now=now + timedelta(seconds=31)) == 1
    )
    assert statuses(handover) == {"wmA": Status.WAITING}
    assert len(sim.get("/_sim/state")["transfers"]) == 1

    follow(rm01b, "wmB", "客户乙", sim)
    other = hand_over(rm01b, rm01a, lead01, mode=Handover.Mode.IN_JOB)
    stuck = transfers.transfer_start(handover_id=other.pk)
    sim.post("/_sim/rate_limit", {"count": 1000, "path": IN_JOB_SEND})
    moment = now
    for _attempt in range(transfers.MAX_SEND_ATTEMPTS):
        transfers.transfer_send(transfer_id=stuck.pk, client=quick(), now=moment)
        moment += transfers.LONGEST_PAUSE
    row = ContactTransfer.objects.get(handover=other)
    assert (row.status, row.errcode) == (Status.FAILED, 45009)


@pytest.mark.django_db
def test_without_wecom_the_transfer_is_skipped_with_a_reason_and_the_database_handover_completes(
    settings, people, client, django_capture_on_commit_callbacks
):
    settings.WECOM_CORP_ID = ""
    rm01a, rm01b, lead01 = people
    kept = follow(rm01a, "wmA", "客户甲")
    with django_capture_on_commit_callbacks(execute=True):
        handover = hand_over(rm01a, rm01b, lead01)
    transfer = HandoverTransfer.objects.get(handover=handover)
    assert transfer.state == HandoverTransfer.State.SKIPPED and "未配置" in transfer.reason
    assert not ContactTransfer.objects.exists()
    assert ContactFollow.objects.get(pk=kept.pk).rm == rm01a
    assert not Staff.objects.get(user=rm01a).active  # the database handover went through
    client.force_login(lead01)
    assert "企业微信客户联系未配置" in client.get(f"/customers/handover/{handover.pk}/").content.decode()


@pytest.mark.django_db
def test_a_transfer_result_error_is_shown_and_asked_again(sim, people):
    rm01a, rm01b, lead01 = people
    follow(rm01a, "wmA", "客户甲", sim)
    handover = hand_over(rm01a, rm01b, lead01)
    transfer = transfers.transfer_start(handover_id=handover.pk)
    transfers.transfer_send(transfer_id=transfer.pk, client=quick())
    sim.post("/_sim/rate_limit", {"count": 3, "path": "/cgi-bin/externalcontact/resigned/transfer_result"})
    sim.post("/_sim/complete_transfers", {})
    transfers.transfers_poll(client=quick())
    progress = transfers.transfer_progress(handover.pk)
    assert progress is not None and not progress.done and "45009" in progress.note
    transfers.transfers_poll(client=quick())
    assert statuses(handover) == {"wmA": Status.SUCCESS}


@pytest.mark.django_db
def test_the_leads_today_shows_a_handover_until_its_transfer_is_final_and_then_its_failures(
    sim, people, client, django_capture_on_commit_callbacks, lead02
):
    rm01a, rm01b, lead01 = people
    follow(rm01a, "wmRefuse", "拒绝的客户", sim)
    sim.post("/_sim/transfer_refuse", {"external_userid": ["wmRefuse"]})
    client.force_login(lead01)
    assert 'data-testid="handovers-card"' not in client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        handover = hand_over(rm01a, rm01b, lead01)
    today = client.get("/").content.decode()
    assert 'data-testid="handovers-card"' in today and "进行中" in today
    assert f"/customers/handover/{handover.pk}/" in today
    sim.post("/_sim/complete_transfers", {})
    transfers.transfers_poll(client=quick())
    assert "1 位未迁移" in client.get("/").content.decode()
    client.force_login(lead02)  # another branch's lead sees nothing of it
    assert 'data-testid="handovers-card"' not in client.get("/").content.decode()
