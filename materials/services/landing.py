"""Views of a shared link on the public landing page: counted once per visitor per half hour."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.models import ShareToken, ViewEvent
from rm_portal.customers.services import timeline_record

DEDUP_WINDOW = timedelta(minutes=30)


def visitor_address(ip: str) -> str:
    """What identifies a visitor: the address they come from, as little as they can rotate.

    IPv4 as it is; IPv6 by its /64 network — one phone or home router is handed a whole /64 and
    may pick a new address in it for every request; an IPv4-mapped IPv6 address is its IPv4."""
    text = ip.strip()
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return f"{ipaddress.IPv6Network((address, 64), strict=False).network_address}/64"
    return str(address)


def visitor_hash(*, ip: str) -> str:
    """The visitor key: a keyed hash of the address alone. Not the User-Agent, nor a cookie — the
    visitor chooses those freely on every request, so keying on them let one visitor count as any
    number of visitors. Two phones behind one address (a household, an office) count as one."""
    # Keyed with a secret derived from SECRET_KEY: the hash cannot be reversed by trying all IPs.
    salt = hashlib.sha256(b"materials.visitor:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(salt, visitor_address(ip).encode(), hashlib.sha256).hexdigest()


# One statement: the view is inserted unless the same visitor's view of the same link is younger than
# the window, so a view costs one write and no read-modify-write (index token, visitor, at). Two
# concurrent first views of one visitor may both count; that is the price of not locking.
_INSERT_UNLESS_SEEN = """
    INSERT INTO {table} (token_id, visitor, at)
    SELECT %s, %s, %s
    WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE token_id = %s AND visitor = %s AND at > %s)
    RETURNING id
"""


def _view_insert(*, share: ShareToken, visitor: str, at: datetime) -> bool:
    ops = connection.ops
    sql = _INSERT_UNLESS_SEEN.format(table=ops.quote_name(ViewEvent._meta.db_table))
    now, since = ops.adapt_datetimefield_value(at), ops.adapt_datetimefield_value(at - DEDUP_WINDOW)
    with connection.cursor() as cursor:
        cursor.execute(sql, [share.pk, visitor, now, share.pk, visitor, since])
        return cursor.fetchone() is not None


def view_record(*, share: ShareToken, ip: str, at: datetime | None = None) -> bool:
    """Count a view unless the same visitor saw the same link within 30 minutes. True if counted.

    A counted view of a customer's link then lands on their timeline, as a second statement: a
    process that dies between the two leaves a counted view without its timeline line, never the
    reverse, and a repeated view costs one statement and no transaction."""
    at = at or timezone.now()
    if not _view_insert(share=share, visitor=visitor_hash(ip=ip), at=at):
        return False
    if share.customer is not None:
        timeline_record(
            customer=share.customer,
            kind="material_view",
            title=_("查看了《%(title)s》") % {"title": share.material.title},
            ref=share,
            detail={"material": share.material_id},
            at=at,
        )
    return True
