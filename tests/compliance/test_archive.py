"""Tamper evidence: append-only rows, the hash chain, verify_archive, the PostgreSQL trigger."""

from __future__ import annotations

import itertools
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from compliance.models import AppendOnlyError, Conversation, Message, OwnershipChange
from compliance.services.chain import archive_verify
from compliance.services.ingestion import messages_ingest
from rm_portal.org.handover import movers
from tests.compliance.factories import item
from tests.conftest import need

pytestmark = pytest.mark.django_db


@pytest.fixture
def archived(rm01a, rm02a):
    items = [item("rm01a", f"第{i}条") for i in range(4)] + [item("rm02a", "别的会话")]
    result = messages_ingest(items=items, by=rm01a, gateway=True)
    assert result.stored == 5
    return Message.objects.filter(conversation__rm=rm01a).order_by("seq")


def test_orm_refuses_update_and_delete(archived):
    message = archived[1]
    message.content = "改过"
    with pytest.raises(AppendOnlyError):
        message.save()
    with pytest.raises(AppendOnlyError):
        message.delete()
    with pytest.raises(AppendOnlyError):
        Message.objects.filter(pk=message.pk).update(content="改过")
    with pytest.raises(AppendOnlyError):
        Message.objects.all().delete()
    assert Message.objects.get(pk=message.pk).content == "第1条"


def test_chain_links_each_message_to_the_previous(archived):
    messages = list(archived)
    assert messages[0].prev_hash == "0" * 64
    for prev, message in itertools.pairwise(messages):
        assert message.prev_hash == prev.hash
    conversation = messages[0].conversation
    conversation.refresh_from_db()
    assert conversation.last_hash == messages[-1].hash and conversation.last_seq == 4


def test_verify_archive_passes_on_an_intact_archive(archived):
    out = StringIO()
    call_command("verify_archive", stdout=out)
    assert "archive intact: 5 messages" in out.getvalue()


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The tamperer is a superuser who drops the guard; deferred FK checks must fire first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE compliance_message DISABLE TRIGGER compliance_message_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE compliance_message ENABLE TRIGGER compliance_message_append_only")


def test_verify_archive_finds_a_row_edited_with_raw_sql(archived):
    target = archived[2]
    _raw("UPDATE compliance_message SET content = %s WHERE id = %s", ["保证收益", target.pk])
    _checked, broken = archive_verify()
    assert broken is not None and broken.message_id == target.pk and broken.seq == 3
    with pytest.raises(CommandError, match=f"message={target.pk}"):
        call_command("verify_archive")


def test_verify_archive_finds_a_deleted_row(archived):
    _raw("DELETE FROM compliance_message WHERE id = %s", [archived[1].pk])
    _, broken = archive_verify()
    assert broken is not None and broken.seq == 2


def test_verify_archive_finds_a_deleted_tail(archived):
    _raw("DELETE FROM compliance_message WHERE id = %s", [archived[3].pk])
    _, broken = archive_verify()
    assert broken is not None and broken.message_id is None


def test_verify_archive_finds_a_rehashed_row_by_its_successor(archived):
    """An editor who recomputes the edited row's own hash still breaks the next link."""
    from compliance.services.chain import hash_of

    target = archived[1]
    target.content = "改过"
    new_hash = hash_of(target)
    _raw("UPDATE compliance_message SET content = %s, hash = %s WHERE id = %s", ["改过", new_hash, target.pk])
    from compliance.services.verify import archive_check

    found = {(f.kind, f.seq) for f in archive_check().findings}
    assert ("link", 3) in found and ("search_column", 2) in found  # the content moved, not its search column


@pytest.mark.postgres
def test_postgres_trigger_rejects_update_and_delete(archived):
    need(connection.vendor == "postgresql", "PostgreSQL only: the trigger exists there")
    target = archived[0]
    for sql in (
        "UPDATE compliance_message SET content = 'x' WHERE id = %s",
        "DELETE FROM compliance_message WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql, [target.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM compliance_searchaudit")
        c.execute(
            "INSERT INTO compliance_searchaudit (user_id, action, filters, result_count, at) "
            "SELECT id, 'search', '{}', 0, now() FROM auth_user LIMIT 1"
        )
        c.execute("UPDATE compliance_searchaudit SET result_count = 1")
    assert Message.objects.get(pk=target.pk).content == target.content


def test_handover_moves_conversations_without_touching_messages(archived, rm01a, rm01b):
    before = list(archived.values_list("pk", "hash"))
    moved = movers()["conversations"](rm01a, rm01b)
    assert moved == {"conversations": 1}
    conversation = Conversation.objects.get(opened_by=rm01a)
    assert conversation.rm == rm01b
    assert OwnershipChange.objects.get().to_rm == rm01b
    assert list(Message.objects.filter(conversation=conversation).values_list("pk", "hash")) == before
    assert archive_verify()[1] is None
    # the successor's next message continues the same chain
    result = messages_ingest(
        items=[item("rm01b", "我是新的客户经理", external_contact="wm-rm01a")], by=rm01b, gateway=False
    )
    assert result.stored == 1
    assert conversation.messages.order_by("-seq").first().seq == 5
    assert archive_verify()[1] is None


def test_concurrent_style_appends_keep_one_chain(rm01a):
    """Two batches into one conversation (as two gateways would) extend, never fork, the chain."""
    messages_ingest(items=[item("rm01a", "a")], by=rm01a, gateway=True)
    messages_ingest(items=[item("rm01a", "b"), item("rm01a", "c")], by=rm01a, gateway=True)
    seqs = list(Message.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == [1, 2, 3]
    assert archive_verify()[1] is None


def test_legal_hold_is_set_by_compliance_only(api, archived, compliance, rm01a, lead01):
    conversation = archived[0].conversation
    url = f"/api/v1/compliance/conversations/{conversation.pk}/legal-hold/"
    assert api(rm01a).post(url, {"hold": True}, format="json").status_code == 403
    assert api(lead01).post(url, {"hold": True}, format="json").status_code == 403
    assert api(compliance).post(url, {"hold": "maybe"}, format="json").status_code == 400
    assert (
        api(compliance)
        .post("/api/v1/compliance/conversations/999999/legal-hold/", {"hold": True}, format="json")
        .status_code
        == 404
    )
    r = api(compliance).post(url, {"hold": True}, format="json")
    assert r.json() == {"conversation": conversation.pk, "legal_hold": True}
    conversation.refresh_from_db()
    assert conversation.legal_hold is True
    assert archive_verify()[1] is None  # the hold is not part of the evidence chain
    api(compliance).post(url, {"hold": False}, format="json")
    history = list(conversation.holds.values_list("hold", "by__username"))
    assert history == [(True, compliance.username), (False, compliance.username)]
