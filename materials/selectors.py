from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from materials.models import Material, OverrideLog, ShareToken
from rm_portal.customers.models import Customer
from rm_portal.org.access import get_scoped_or_404, role_of, scope, staff_of
from rm_portal.org.models import Role


def published_now() -> Q:
    now = timezone.now()
    return (Q(publish_from__isnull=False) & Q(publish_from__lte=now)) & (
        Q(publish_until__isnull=True) | Q(publish_until__gt=now)
    )


def material_list(*, user: User, kind: str = "", q: str = "") -> QuerySet[Material]:
    """What the user may read: head office everything (drafts too); others what is published
    now for their branch. `q` is a substring match (works for Chinese), title hits first."""
    qs = scope(user, Material.objects.all())
    if role_of(user) != Role.HEAD_OFFICE:
        staff = staff_of(user)
        branch_id = staff.branch_id if staff else None
        audience = Material.branches.through.objects.filter(material_id=OuterRef("pk"))
        qs = qs.filter(published_now()).filter(
            ~Exists(audience) | Exists(audience.filter(branch_id=branch_id))
        )
    if kind:
        qs = qs.filter(kind=kind)
    q = q.strip()[:100]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(category__icontains=q))
        qs = qs.annotate(
            rank=Case(When(title__icontains=q, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("rank", "-publish_from", "-id")
    return qs.select_related("layout").prefetch_related("attachments", "branches")


def material_for(user: User, pk: int) -> Material:
    return get_object_or_404(material_list(user=user), pk=pk)


def customer_for_share(user: User, cust_no: str) -> Customer:
    return get_scoped_or_404(user, Customer.objects.all(), cust_no=cust_no)


def share_stats(*, user: User, rm: str = "") -> list[dict]:
    """Per material: shares (links made), views, unique visitors, customers reached."""
    qs = scope(user, ShareToken.objects.all())
    if rm:
        qs = qs.filter(rm__username=rm)
    rows = (
        qs.values("material_id", "material__title", "material__kind")
        .annotate(
            n_shares=Count("id", distinct=True),
            n_views=Count("views", distinct=True),
            n_visitors=Count("views__visitor", distinct=True),
            n_customers=Count("customer", distinct=True),
        )
        .order_by("-n_views", "-n_shares", "material_id")
    )
    return [
        {
            "material": {"id": r["material_id"], "title": r["material__title"], "kind": r["material__kind"]},
            "shares": r["n_shares"],
            "views": r["n_views"],
            "unique_visitors": r["n_visitors"],
            "customers_reached": r["n_customers"],
        }
        for r in rows
    ]


def override_list(*, user: User) -> QuerySet[OverrideLog]:
    return scope(user, OverrideLog.objects.select_related("rm__staff", "material", "customer"))
