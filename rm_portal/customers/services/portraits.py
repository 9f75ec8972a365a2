from __future__ import annotations

from django.contrib.auth.models import User

from rm_portal.customers.models import Customer, PortraitAccess


def portrait_access_record(
    *, user: User, customer: Customer, action: str = PortraitAccess.Action.VIEW
) -> None:
    """Every portrait view and every identity reveal leaves a row: who, which customer, when."""
    PortraitAccess.objects.create(user=user, customer=customer, action=action)
