"""Concurrent appends to one conversation serialise on the chain head instead of forking it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from compliance.models import Message
from compliance.services.chain import archive_verify
from compliance.services.ingestion import messages_ingest
from tests.compliance.factories import item
from tests.conftest import need

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_batches_into_one_conversation_keep_one_chain(rm01a):
    need(connection.vendor == "postgresql", "row locks need PostgreSQL (SQLite serialises writers anyway)")
    messages_ingest(items=[item("rm01a", "开场")], by=rm01a, gateway=True)  # the conversation exists
    batches = [[item("rm01a", f"线程{t}-{i}") for i in range(20)] for t in range(4)]
    # the same delivery twice in parallel as well: stored once
    batches.append(batches[0])
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(batches))

    def run(batch: list[dict]) -> None:
        try:
            barrier.wait()
            messages_ingest(items=batch, by=rm01a, gateway=True)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(b,)) for b in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(Message.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 82))
    assert archive_verify()[1] is None
