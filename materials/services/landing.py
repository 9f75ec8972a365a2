"""Views of a shared link on the public landing page: counted once per visitor per half hour."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
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


def view_record(*, share: ShareToken, ip: str, at: datetime | None = None) -> bool:
    """Count a view unless the same visitor saw the same link within 30 minutes. True if counted."""
    at = at or timezone.now()
    visitor = visitor_hash(ip=ip)
    if ViewEvent.objects.filter(token=share, visitor=visitor, at__gt=at - DEDUP_WINDOW).exists():
        return False
    customer = share.customer if share.customer_id else None
    if customer is None:
        ViewEvent.objects.create(token=share, visitor=visitor, at=at)  # one statement: no transaction
        return True
    with transaction.atomic():
        ViewEvent.objects.create(token=share, visitor=visitor, at=at)
        timeline_record(
            customer=customer,
            kind="material_view",
            title=_("查看了《%(title)s》") % {"title": share.material.title},
            ref=share,
            detail={"material": share.material_id},
            at=at,
        )
    return True
