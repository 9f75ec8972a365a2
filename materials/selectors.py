"""Reads of the materials app, through the one policy; one access function per object."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from materials.models import Kind, Material, OverrideLog, ShareToken
from rm_portal.customers.models import Customer
from rm_portal.org.access import scope
from rm_portal.wecom.stats import Figures, poster_adds

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def material_search(qs: QuerySet[Material], q: str) -> QuerySet[Material]:
    """A case-insensitive substring of title, body or category (works for Chinese); title hits first."""
    q = q.strip()[:100]
    if not q:
        return qs
    qs = qs.filter(Q(title__icontains=q) | Q(body__icontains=q) | Q(category__icontains=q))
    return qs.annotate(
        rank=Case(When(title__icontains=q, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("rank", "-publish_from", "-id")


def material_list(*, user: User, kind: str = "", q: str = "") -> QuerySet[Material]:
    """What the user may read (head office everything, drafts too; others what is published now
    for their branch: the policy in materials.access), optionally of one kind or matching `q`."""
    qs = scope(user, Material.objects.select_related("layout").prefetch_related("attachments", "branches"))
    if kind:
        qs = qs.filter(kind=kind)
    return material_search(qs, q)


def material_for(user: User, pk: int) -> Material:
    return get_object_or_404(material_list(user=user), pk=pk)


def poster_template_for(user: User, pk: int) -> Material:
    """A poster template the user may read; any other material is the same 404 as a missing one."""
    material = material_for(user, pk)
    if material.kind != Kind.POSTER or getattr(material, "layout", None) is None:
        raise Http404
    return material


def share_customer_for(user: User, cust_no: str) -> Customer:
    """A customer the RM may name in a share: one they see (their own); any other is a 404."""
    return get_object_or_404(scope(user, Customer.objects.all()), cust_no=cust_no)


def live_share(token: str) -> ShareToken | None:
    """The share behind a public token, or None for unknown, expired or withdrawn (material not
    published now, RM gone without a successor) — indistinguishably, for the landing page."""
    if not TOKEN.match(token):
        return None
    share = (
        ShareToken.objects.select_related("material", "rm__staff__branch", "customer")
        .filter(token=token)
        .first()
    )
    if share is None:
        return None
    now = timezone.now()
    material = share.material
    if share.expires_at and share.expires_at <= now:
        return None
    if material.publish_from is None or material.publish_from > now:
        return None
    if material.publish_until and material.publish_until <= now:
        return None
    staff = getattr(share.rm, "staff", None)
    if staff is None or not staff.active:
        return None
    return share


@dataclass(frozen=True)
class MaterialRef:
    id: int
    title: str
    kind: str


@dataclass(frozen=True)
class ShareStat:
    material: MaterialRef
    shares: int  # links made
    views: int
    unique_visitors: int
    customers_reached: int  # distinct named customers shared with
    # WeChat users added through this poster's 联系我 codes, and how many are bank customers.
    adds: int = 0
    verified_adds: int = 0


def share_stats(*, user: User, rm: str = "") -> list[ShareStat]:
    """Per material, over the links the user sees (optionally one RM's), most viewed first."""
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
    found = list(rows)
    adds = poster_adds(user=user, material_ids=[r["material_id"] for r in found], rm=rm)
    empty = Figures(adds=0, bound=0, lost=0)
    return [
        ShareStat(
            material=MaterialRef(id=r["material_id"], title=r["material__title"], kind=r["material__kind"]),
            shares=r["n_shares"],
            views=r["n_views"],
            unique_visitors=r["n_visitors"],
            customers_reached=r["n_customers"],
            adds=adds.get(r["material_id"], empty).adds,
            verified_adds=adds.get(r["material_id"], empty).bound,
        )
        for r in found
    ]


def override_list(*, user: User) -> QuerySet[OverrideLog]:
    return scope(user, OverrideLog.objects.select_related("rm__staff", "material", "customer"))
