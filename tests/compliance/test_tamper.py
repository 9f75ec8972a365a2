"""An insider with the database but not the keys: each kind of tampering, done with raw SQL as a
superuser would (the append-only trigger disabled inside the transaction), is found and named by
verify_archive against the latest signed checkpoint."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from compliance.models import Alert, Conversation, Message
from compliance.services.chain import Attribution, message_hash, message_mac
from compliance.services.checkpoints import LOG_NAME, checkpoint_write
from compliance.services.ingestion import messages_ingest
from compliance.services.verify import archive_check
from rm_portal.org.handover import movers
from tests.compliance.factories import CustomerFactory, demo_terms, item

pytestmark = pytest.mark.django_db

GUARDED = [
    "compliance_message",
    "compliance_ownershipchange",
    "compliance_legalholdchange",
    "compliance_configchange",
]
WRONG_KEY = bytes.fromhex("ab" * 32)  # the tamperer's best: any key but the application's


@pytest.fixture
def archive(rm01a, rm02a):
    demo_terms()
    items = [
        item("rm01a", "您好"),
        item("rm01a", "这个产品保证收益"),
        item("rm01a", "明天见"),
        item("rm01a", "好的"),
    ]
    items += [item("rm02a", "别的会话"), item("rm02a", "第二条")]
    result = messages_ingest(items=items, by=rm01a, gateway=True)
    assert result.stored == 6 and result.hits == 1
    checkpoint_write(reason="schedule")
    a = Conversation.objects.get(rm=rm01a)
    b = Conversation.objects.get(rm=rm02a)
    return a, b, list(a.messages.order_by("seq")), list(b.messages.order_by("seq"))


def _tamper(*statements: tuple[str, list[object]]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in GUARDED:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for sql, params in statements:
            cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            for table in GUARDED:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _found(*, incremental: bool = False) -> set[tuple[str, int, int | None]]:
    return {
        (f.kind, f.conversation_id, f.message_id) for f in archive_check(incremental=incremental).findings
    }


def _kinds(*, incremental: bool = False) -> set[str]:
    return {f.kind for f in archive_check(incremental=incremental).findings}


def _forged_hash(message: Message, conversation: Conversation, *, content: str, prev: str) -> str:
    return message_mac(
        conversation_id=conversation.pk, seq=message.seq, channel=message.channel,
        external_id=message.external_id, direction=message.direction, content_type=message.content_type,
        content=content, normalized=content, sent_at=message.sent_at, received_at=message.received_at,
        prev_hash=prev, source=message.source,
        attribution=Attribution(conversation.contact, conversation.opened_by_id, conversation.customer_id),
        alert_hits=None, key=WRONG_KEY,
    )  # fmt: skip


def test_an_intact_archive_passes_full_and_incremental_and_after_a_handover(archive, rm01a, rm01b):
    assert archive_check().findings == []
    movers()["conversations"](rm01a, rm01b)
    messages_ingest(items=[item("rm01b", "新的", external_contact="wm-rm01a")], by=rm01b, gateway=False)
    assert archive_check().findings == []
    report = archive_check(incremental=True)
    assert report.findings == [] and report.incremental and report.checked == 1  # only what is new
    checkpoint_write(reason="schedule")
    assert archive_check(incremental=True).findings == []


def test_deleting_the_last_message_and_moving_the_head_back(archive):
    a, _b, messages, _ = archive
    last, before = messages[-1], messages[-2]
    _tamper(
        ("DELETE FROM compliance_message WHERE id = %s", [last.pk]),
        (
            "UPDATE compliance_conversation SET last_seq = %s, last_hash = %s WHERE id = %s",
            [3, before.hash, a.pk],
        ),
    )
    for incremental in (False, True):
        assert ("tail_deleted", a.pk, None) in _found(incremental=incremental)


def test_a_forged_message_with_its_hash_computed_as_the_code_does(archive):
    a, _b, messages, _ = archive
    last = messages[-1]
    sent = last.sent_at + timedelta(seconds=1)
    forged = Message(
        conversation=a,
        channel=a.channel,
        external_id="forged-1",
        direction="out",
        content="我没说过保证收益",
        normalized="我没说过保证收益",
        sent_at=sent,
        received_at=sent,
        seq=5,
        prev_hash=last.hash,
        hash="",
    )
    forged.hash = _forged_hash(forged, a, content=forged.content, prev=last.hash)
    forged.save()
    # and one with the first release's unkeyed hash, which needs no key at all
    legacy = Message(
        conversation=a,
        channel=a.channel,
        external_id="forged-2",
        direction="out",
        content="旧版",
        normalized="旧版",
        sent_at=sent,
        received_at=sent,
        seq=6,
        prev_hash=forged.hash,
        hash="",
        hash_version=1,
    )
    legacy.hash = message_hash(
        conversation_id=a.pk, seq=6, channel=a.channel, external_id="forged-2", direction="out",
        content_type="text", content="旧版", sent_at=sent, received_at=sent, prev_hash=forged.hash,
    )  # fmt: skip
    legacy.save()
    _tamper(
        ("UPDATE compliance_conversation SET last_seq = 6, last_hash = %s WHERE id = %s", [legacy.hash, a.pk])
    )
    for incremental in (False, True):
        found = _found(incremental=incremental)
        assert ("altered", a.pk, forged.pk) in found
        assert ("legacy_forged", a.pk, legacy.pk) in found


def _rewrite_from(a: Conversation, messages: list[Message], index: int, content: str) -> list:
    """Statements that give message `index` new content and recompute it, the rest and the head."""
    statements: list[tuple[str, list[object]]] = []
    prev = messages[index - 1].hash if index else "0" * 64
    for position, message in enumerate(messages[index:], start=index):
        text = content if position == index else message.content
        digest = _forged_hash(message, a, content=text, prev=prev)
        statements.append((
            "UPDATE compliance_message SET content = %s, normalized = %s, prev_hash = %s, hash = %s "
            "WHERE id = %s",
            [text, text, prev, digest, message.pk],
        ))  # fmt: skip
        prev = digest
    statements.append(("UPDATE compliance_conversation SET last_hash = %s WHERE id = %s", [prev, a.pk]))
    return statements


def test_a_forged_message_in_the_middle_with_the_rest_recomputed(archive):
    a, _b, messages, _ = archive
    original = messages[2]
    _tamper(("DELETE FROM compliance_message WHERE id = %s", [original.pk]))
    forged = Message(
        conversation=a,
        channel=a.channel,
        external_id="forged-mid",
        direction="out",
        content="没有问题",
        normalized="没有问题",
        sent_at=original.sent_at,
        received_at=original.received_at,
        seq=3,
        prev_hash=messages[1].hash,
        hash="",
    )
    forged.hash = _forged_hash(forged, a, content=forged.content, prev=messages[1].hash)
    forged.save()
    rest = _rewrite_from(a, [*messages[:2], forged, messages[3]], 3, messages[3].content)
    _tamper(*rest)
    found = _found()
    assert ("altered", a.pk, forged.pk) in found and ("altered", a.pk, messages[3].pk) in found
    # incremental: the forged row is newer than the checkpoint, and the original is gone from what it covered
    assert {("tail_deleted", a.pk, None), ("altered", a.pk, forged.pk)} <= _found(incremental=True)


def test_an_edit_with_the_rest_and_the_head_recomputed(archive):
    a, _b, messages, _ = archive
    _tamper(("DELETE FROM compliance_alert WHERE message_id = %s", [messages[1].pk]))
    _tamper(*_rewrite_from(a, messages, 1, "这个产品收益浮动"))
    found = _found()
    assert ("alert_deleted", a.pk, messages[1].pk) in found  # it had raised an alert
    assert ("altered", a.pk, messages[2].pk) in found and ("altered", a.pk, messages[3].pk) in found
    assert {"head_rewritten", "alerts_missing"} <= _kinds(incremental=True)


def test_deleting_a_whole_conversation(archive):
    _a, b, _, _b_messages = archive
    _tamper(
        ("DELETE FROM compliance_message WHERE conversation_id = %s", [b.pk]),
        ("DELETE FROM compliance_conversation WHERE id = %s", [b.pk]),
    )
    for incremental in (False, True):
        assert ("conversation_deleted", b.pk, None) in _found(incremental=incremental)


def test_moving_a_conversation_to_another_rm(archive, rm02a):
    a, *_ = archive
    _tamper(("UPDATE compliance_conversation SET rm_id = %s WHERE id = %s", [rm02a.pk, a.pk]))
    assert ("attribution", a.pk, None) in _found()


def test_moving_a_conversation_to_another_customer(archive):
    a, _b, messages, _ = archive
    other = CustomerFactory()
    _tamper(("UPDATE compliance_conversation SET customer_id = %s WHERE id = %s", [other.pk, a.pk]))
    found = _found()
    assert ("attribution", a.pk, None) in found
    assert {("altered", a.pk, m.pk) for m in messages} <= found  # every message names its customer


def test_deleting_an_alert(archive):
    a, _b, messages, _ = archive
    assert Alert.objects.filter(message=messages[1]).exists()
    _tamper(("DELETE FROM compliance_alert WHERE message_id = %s", [messages[1].pk]))
    assert ("alert_deleted", a.pk, messages[1].pk) in _found()
    assert "alerts_missing" in _kinds(incremental=True)


def test_editing_an_alert_away(archive):
    a, _b, messages, _ = archive
    _tamper(("UPDATE compliance_alert SET hits = %s WHERE message_id = %s", ["[]", messages[1].pk]))
    assert ("altered", a.pk, messages[1].pk) in _found()


def test_blanking_the_search_column(archive):
    a, _b, messages, _ = archive
    _tamper(("UPDATE compliance_message SET normalized = '' WHERE id = %s", [messages[1].pk]))
    assert ("search_column", a.pk, messages[1].pk) in _found()


def test_verify_archive_names_each_finding_and_fails(archive):
    a, _b, messages, _ = archive
    _tamper(("UPDATE compliance_message SET normalized = '' WHERE id = %s", [messages[1].pk]))
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match=f"conversation={a.pk} seq=2 message={messages[1].pk}"):
        call_command("verify_archive", stdout=out, stderr=err)
    assert "[search_column]" in err.getvalue() and "per million messages" in out.getvalue()


def test_an_intact_archive_prints_its_time_per_million(archive):
    out = StringIO()
    call_command("verify_archive", "--incremental", stdout=out)
    assert "archive intact" in out.getvalue() and "since checkpoint 1" in out.getvalue()


def test_a_rewritten_checkpoint_is_refused(archive):
    path = settings.ARCHIVE_CHECKPOINT_DIR / LOG_NAME
    record = json.loads(path.read_bytes().splitlines()[0])
    record["conversations"] = record["conversations"][:1]  # hide a conversation from the anchor
    path.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    assert "checkpoint" in _kinds()


def test_a_checkpoint_removed_from_the_middle_is_refused(archive):
    checkpoint_write(reason="schedule")
    checkpoint_write(reason="export")
    path = settings.ARCHIVE_CHECKPOINT_DIR / LOG_NAME
    lines = path.read_bytes().splitlines()
    path.write_bytes(b"\n".join([lines[0], lines[2]]) + b"\n")
    assert "checkpoint" in _kinds()


def test_every_export_writes_a_checkpoint(archive, api, compliance):
    path = settings.ARCHIVE_CHECKPOINT_DIR / LOG_NAME
    before = len(path.read_bytes().splitlines())
    response = api(compliance).get("/api/v1/compliance/export/")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    lines = path.read_bytes().splitlines()
    assert len(lines) == before + 1 and json.loads(lines[-1])["reason"] == "export"


def test_lexicon_and_detector_changes_are_kept_as_a_history_no_one_edits(compliance):
    from compliance.models import AppendOnlyError, ConfigChange, Term
    from compliance.services.detectors import detector_update
    from compliance.services.lexicon import term_create, term_update

    term = term_create(term="稳赚", category="承诺收益", severity="warn", by=compliance)
    term_update(target=Term.objects.get(pk=term.pk), severity="block", by=compliance)
    term_update(target=Term.objects.get(pk=term.pk), severity="block", by=compliance)  # no change
    detector_update(kind="url", enabled=False, by=compliance)
    history = list(ConfigChange.objects.values_list("kind", "key", "by__username"))
    assert history == [("term", "稳赚", "compliance")] * 2 + [("detector", "url", "compliance")]
    edit = ConfigChange.objects.get(key="稳赚", before__isnull=False)
    assert (edit.before["severity"], edit.after["severity"]) == ("warn", "block")
    with pytest.raises(AppendOnlyError):
        ConfigChange.objects.filter(pk=edit.pk).delete()


def test_a_checkpoint_states_the_retention_in_force(archive):
    from compliance.services.checkpoints import checkpoint_latest

    latest = checkpoint_latest()
    assert latest is not None and latest.body["retention_years"] == settings.COMPLIANCE_RETENTION_YEARS
