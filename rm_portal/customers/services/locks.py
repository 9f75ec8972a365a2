"""Work that must not run twice at once: a transaction-scoped lock by name.

Two tag recomputes, or two imports of the same file, each read "what is there" and then write the
difference; run side by side they both see the same old state, so both record the same removals
(or both insert the same new customer, and one fails on the unique key). Taking the lock first
makes the second wait until the first has committed, and then read what the first wrote.

    with transaction.atomic():
        hold("customers.tags_recompute")
        ...  # read, then write the difference
"""

from __future__ import annotations

import hashlib

from django.db import connection

# Taken by each import batch, and by the feature refresh while it empties the change queue.
IMPORT_LOCK = "customers.import_batch"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_xact_lock` (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


def hold(name: str) -> None:
    """Wait for, then hold until the transaction ends, the lock called `name`. Call it first thing
    inside `transaction.atomic()`: every read after it sees what the previous holder committed."""
    if not connection.in_atomic_block:
        raise RuntimeError("hold() needs a transaction: the lock is released when it ends")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
    # SQLite: transactions are BEGIN IMMEDIATE (settings.DATABASES), so the transaction already
    # holds the database's single write lock from its first statement; nothing else can write.
