"""Reads of matching: what to offer this customer and why (docs/product.md §7), and head office's figures.

`recommendations_for(user, customer)` is the one answer the portrait, an opportunity, the contacts
detail and the chat sidebar show. The customer comes from its own access function (404 outside
the user's scope); the materials are the ones the user may read, published now."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TypedDict

from django.contrib.auth.models import User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from materials.access import published_now
from materials.models import Kind, Material, ShareToken
from rm_portal.customers.models import Customer, CustomerTag, Holding, HoldingType, TagDefinition
from rm_portal.matching.models import Shown, Signal, SignalKind
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.access import scope

# A product the customer holds is offered again only to reinvest what matures this soon (§8).
REINVEST_DAYS = 7
LIMIT = 10
KIND_OF = {Kind.PRODUCT: "product", Kind.SCRIPT: "script", Kind.NEWS: "material", Kind.POSTER: "material"}
KIND_ORDER = {"product": 0, "script": 1, "material": 2}


@dataclass
class Recommendation:
    kind: str  # product / script / material
    id: int
    name: str
    reasons: list[str]
    score: int
    held: bool = False
    material: Material | None = field(default=None, repr=False, compare=False)


def rating_allows(rating: str, level: str) -> bool:
    """A customer rated Cn may be offered products up to Rn. No rating, or a product without a
    risk level, allows nothing: an unknown risk is never recommended."""
    if len(rating) != 2 or rating[0] != "C" or rating[1] not in "12345":
        return False
    if len(level) != 2 or level[0] != "R" or level[1] not in "12345":
        return False
    return int(level[1]) <= int(rating[1])


def _money(amount: Decimal) -> str:
    return f"{amount:,.0f}"


def _due_words(holding: Holding, days: int) -> str:
    if days == 0:
        return _("「%(product)s」今天到期（%(amount)s 元）") % {
            "product": holding.product,
            "amount": _money(holding.amount),
        }
    return _("「%(product)s」%(days)s 天后到期（%(amount)s 元）") % {
        "product": holding.product,
        "days": days,
        "amount": _money(holding.amount),
    }


def fired(
    signals: Iterable[Signal], holdings: Sequence[Holding], tag_ids: set[int], today: date
) -> list[tuple[Signal, str]]:
    """The signals that fire for this customer, each with its reason in plain words."""
    out: list[tuple[Signal, str]] = []
    for signal in signals:
        reason = ""
        if signal.kind == SignalKind.MATURITY:
            soon = [
                (days, h)
                for h in holdings
                if h.maturity_date is not None
                and 0 <= (days := (h.maturity_date - today).days) <= signal.days
                and (not signal.holding_type or h.type == signal.holding_type)
            ]
            if soon:
                days, holding = min(soon, key=lambda pair: (pair[0], pair[1].pk or 0))
                reason = _due_words(holding, days)
        elif signal.kind == SignalKind.IDLE_BALANCE:
            demand = sum((h.amount for h in holdings if h.type == HoldingType.DEMAND), Decimal(0))
            if demand > 0 and demand >= signal.amount:
                reason = _("活期余额 %(amount)s 元，可做配置") % {"amount": _money(demand)}
        elif signal.kind == SignalKind.TAG:
            if signal.tag_id is not None and signal.tag_id in tag_ids and signal.tag is not None:
                reason = _("客户标签「%(tag)s」") % {"tag": signal.tag.name}
        elif (
            signal.kind == SignalKind.HOLDINGS_GAP
            and signal.holding_type
            and not any(h.type == signal.holding_type for h in holdings)
        ):
            reason = _("尚未持有%(type)s") % {"type": HoldingType(signal.holding_type).label}
        if reason:
            out.append((signal, reason))
    return out


def speaks_for(signal: Signal, material: Material) -> bool:
    """Whether a fired signal counts for this material. A signal naming neither a category nor a
    word speaks for nothing (it would push every material alike)."""
    if not signal.match_category and not signal.match_word:
        return False
    if signal.match_category and material.marketing_category != signal.match_category:
        return False
    words = material.tags if isinstance(material.tags, list) else []
    return not signal.match_word or signal.match_word in words or signal.match_word == material.category


def rank(
    *,
    customer: Customer,
    materials: Iterable[Material],
    signals: Iterable[Signal],
    holdings: Sequence[Holding],
    tag_ids: set[int],
    today: date,
    limit: int = LIMIT,
) -> list[Recommendation]:
    """The pure rule: no database. Best first; ties by kind (product, script, material), then id."""
    hits = fired(signals, holdings, tag_ids, today)
    held = {h.product.strip() for h in holdings}
    maturing = {
        h.product.strip(): h
        for h in holdings
        if h.maturity_date is not None and 0 <= (h.maturity_date - today).days <= REINVEST_DAYS
    }
    consents = customer.consents if isinstance(customer.consents, dict) else {}
    out: list[Recommendation] = []
    for material in materials:
        kind = KIND_OF.get(Kind(material.kind))
        if kind is None:
            continue
        is_held = False
        reasons: list[str] = []
        if kind == "product":
            if not rating_allows(customer.risk_rating, material.risk_level):
                continue
            if material.marketing_category and consents.get(material.marketing_category) is not True:
                continue  # the share gate would refuse it: offering it helps no one
            title = material.title.strip()
            if title in held:
                renewing = maturing.get(title)
                if renewing is None:
                    continue
                is_held = True
                days = (renewing.maturity_date - today).days if renewing.maturity_date else 0
                reasons.append(_("到期续作：%(due)s") % {"due": _due_words(renewing, days)})
        score = 0
        for signal, reason in hits:
            if speaks_for(signal, material):
                score += signal.weight
                if reason not in reasons:
                    reasons.append(reason)
        if is_held:
            score += max((s.weight for s, _r in hits if s.kind == SignalKind.MATURITY), default=1)
        if score <= 0:
            continue
        out.append(
            Recommendation(
                kind=kind,
                id=material.pk,
                name=material.title,
                reasons=reasons,
                score=score,
                held=is_held,
                material=material,
            )
        )
    out.sort(key=lambda r: (-r.score, KIND_ORDER[r.kind], r.id))
    return out[:limit]


def active_signals() -> list[Signal]:
    return list(Signal.objects.filter(active=True).select_related("tag").order_by("-weight", "code"))


def recommendations_for(
    user: User,
    customer: Customer,
    *,
    holdings: Sequence[Holding] | None = None,
    tags: Sequence[TagDefinition] | None = None,
    limit: int = LIMIT,
) -> list[Recommendation]:
    """What to offer this customer, best first, each with its reasons. The caller found the
    customer through its access function; a page that has the holdings and tags passes them
    (two queries fewer). Four queries at most, however many holdings, tags or materials."""
    if holdings is None:
        holdings = list(Holding.objects.filter(customer=customer))
    if tags is None:
        tag_ids = set(CustomerTag.objects.filter(customer=customer).values_list("tag_id", flat=True))
    else:
        tag_ids = {tag.pk for tag in tags}
    materials = scope(user, Material.objects.all()).filter(published_now()).order_by("id")
    return rank(
        customer=customer,
        materials=materials.only(
            "id", "kind", "title", "category", "tags", "risk_level", "marketing_category"
        ),
        signals=active_signals(),
        holdings=holdings,
        tag_ids=tag_ids,
        today=timezone.localdate(),
        limit=limit,
    )


def signal_list(*, user: User) -> QuerySet[Signal]:
    return scope(user, Signal.objects.select_related("tag")).order_by("-weight", "code")


class Figures(TypedDict):
    material_id: int
    material__title: str
    material__kind: str
    shown: int
    shared: int
    converted: int


def recommendation_figures(*, user: User, since: date | None = None) -> list[Figures]:
    """Per material over the window: shown (customer-days it was recommended), shared (of those, a
    share link to that customer on or after the day) and converted (of those, on or after the day an
    opportunity of that customer completed as converted, or — a product not held when shown —
    the customer now holds a product of that name). Head office only (the Shown policy)."""
    since = since or timezone.localdate() - timedelta(days=30)
    shared = ShareToken.objects.filter(
        customer_id=OuterRef("customer_id"),
        material_id=OuterRef("material_id"),
        created_at__date__gte=OuterRef("day"),
    )
    won = Opportunity.objects.filter(
        customer_id=OuterRef("customer_id"),
        status=Opportunity.Status.DONE,
        outcome=Opportunity.Outcome.CONVERTED,
        completed_at__date__gte=OuterRef("day"),
    )
    holds = Holding.objects.filter(customer_id=OuterRef("customer_id"), product=OuterRef("material__title"))
    rows = (
        scope(user, Shown.objects.filter(day__gte=since))
        .annotate(
            was_shared=Exists(shared),
            was_won=Exists(won) | (Q(held=False) & Q(material__kind=Kind.PRODUCT) & Exists(holds)),
        )
        .values("material_id", "material__title", "material__kind")
        .annotate(
            shown=Count("id"),
            shared=Count("id", filter=Q(was_shared=True)),
            converted=Count("id", filter=Q(was_won=True)),
        )
        .order_by("-shown", "material_id")
    )
    return list(rows)  # type: ignore[arg-type]
