"""Views of a shared link on the public landing page: counted once per visitor per half hour."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.models import ShareToken, ViewEvent
from rm_portal.customers.services import timeline_record

DEDUP_WINDOW = timedelta(minutes=30)


def visitor_hash(*, ip: str, user_agent: str) -> str:
    # Keyed with a secret derived from SECRET_KEY: the hash cannot be reversed by trying all IPs.
    salt = hashlib.sha256(b"materials.visitor:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(salt, f"{ip}\x1f{user_agent[:400]}".encode(), hashlib.sha256).hexdigest()


def view_record(*, share: ShareToken, ip: str, user_agent: str, at: datetime | None = None) -> bool:
    """Count a view unless the same visitor saw the same link within 30 minutes. True if counted."""
    at = at or timezone.now()
    visitor = visitor_hash(ip=ip, user_agent=user_agent)
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
