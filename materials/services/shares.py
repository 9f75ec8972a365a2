"""RMs forward materials: one link per share, gated by suitability and marketing consent."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from materials.models import Kind, MarketingCategory, Material, OverrideLog, ShareToken
from materials.placeholders import fill, values_for
from rm_portal.core.errors import Conflict
from rm_portal.customers.models import Customer
from rm_portal.customers.services import timeline_record
from rm_portal.org.handover import SAMPLE_SIZE, Preview, preview_of
from rm_portal.org.models import Staff

SHARE_DAYS = 180  # a forwarded link works for half a year


class ShareRefused(Conflict):
    """The gate refused: the message gives the reasons, `rules` which rules ("suitability",
    "consent") refused, so a client can offer the override where head office allows one."""

    default_message = gettext_lazy("不符合适当性或营销授权要求")

    def __init__(self, message: str, *, rules: list[str]) -> None:
        super().__init__(message, data={"rule": rules[0], "rules": rules})
        self.rules = rules


def gate_failures(*, material: Material, customer: Customer | None) -> list[tuple[str, str]]:
    """[(rule, reason)] that forbid recommending this product to this customer; empty when fine.

    A customer rated Cn may be recommended products up to Rn (C1 ≤ R1, …, C5 ≤ R5), and only
    in marketing categories they consented to.
    """
    if customer is None or material.kind != Kind.PRODUCT:
        return []
    failures: list[tuple[str, str]] = []
    if material.risk_level:
        if not customer.risk_rating:
            failures.append(
                (
                    "suitability",
                    _("客户尚未完成风险测评，不能推荐 %(level)s 产品") % {"level": material.risk_level},
                )
            )
        elif int(customer.risk_rating[1]) < int(material.risk_level[1]):
            failures.append(
                (
                    "suitability",
                    _("客户风险评级 %(rating)s 低于产品风险等级 %(level)s")
                    % {"rating": customer.risk_rating, "level": material.risk_level},
                )
            )
    category = material.marketing_category
    if category and (customer.consents or {}).get(category) is not True:
        failures.append(
            (
                "consent",
                _("客户未授权接收“%(category)s”类营销信息") % {"category": MarketingCategory(category).label},
            )
        )
    return failures


def share_text(*, material: Material, staff: Staff, customer: Customer | None, url: str) -> str:
    """The words the RM pastes into a chat: filled for the customer, ending with the link."""
    values = values_for(staff=staff, customer=customer)
    # A script's title is the RM's index ("到期提醒"), not words for the customer.
    parts = [] if material.kind == Kind.SCRIPT else [fill(material.title, values)]
    body = fill(material.body, values).strip()
    if body:
        parts.append(body)
    if material.kind == Kind.PRODUCT and material.risk_level:
        parts.append(
            _("产品风险等级：%(level)s。理财非存款，产品有风险，投资须谨慎。")
            % {"level": material.risk_level}
        )
    parts.append(url)
    return "\n".join(parts)


def new_token() -> str:
    return secrets.token_urlsafe(24)  # 192 bits


@transaction.atomic
def share_create(
    *, rm: User, material: Material, customer: Customer | None = None, override_reason: str = ""
) -> ShareToken:
    failures = gate_failures(material=material, customer=customer)
    rule = "passed" if customer is not None and material.kind == Kind.PRODUCT else "not_checked"
    rules = [r for r, _reason in failures]
    reasons = [reason for _rule, reason in failures]
    if failures:
        if not override_reason.strip():
            raise ShareRefused("；".join(reasons), rules=rules)
        if not material.allow_override:
            raise ShareRefused("；".join([*reasons, _("总行未允许该产品越权转发")]), rules=rules)
        rule = "override"
    share = ShareToken.objects.create(
        token=new_token(),
        channel=ShareToken.Channel.SHARE,
        rm=rm,
        material=material,
        customer=customer,
        rule=rule,
        expires_at=timezone.now() + timedelta(days=SHARE_DAYS),
    )
    if customer is None:
        return share
    if failures:
        OverrideLog.objects.create(
            share=share,
            rm=rm,
            material=material,
            customer=customer,
            rules=rules,
            reasons=reasons,
            reason=override_reason.strip()[:2000],
        )
    timeline_record(
        customer=customer,
        kind="material_share",
        title=_("转发了《%(title)s》") % {"title": material.title},
        actor=rm,
        ref=share,
        detail={"material": material.pk, "rule": rule},
    )
    return share


def poster_token(*, rm: User, material: Material) -> ShareToken:
    """The RM's one link for a poster template: a re-render keeps the same QR target."""
    share, _created = ShareToken.objects.get_or_create(
        rm=rm,
        material=material,
        channel=ShareToken.Channel.POSTER,
        defaults={"token": new_token(), "rule": "not_checked"},
    )
    return share


@transaction.atomic
def share_links_handover(leaver: User, successor: User) -> dict[str, int]:
    """When an RM leaves, the links customers hold keep working and show the successor's card.

    Live forward links move to the successor; a poster link moves unless the successor already
    has one for that template (then the leaver's stays, and answers the friendly 404).
    """
    moved = _live_links_of(leaver).update(rm=successor)
    posters = _posters_movable(leaver, successor).update(rm=successor)
    return {"share_links": moved, "poster_links": posters}


def _live_links_of(leaver: User) -> QuerySet[ShareToken]:
    return ShareToken.objects.filter(
        rm=leaver, channel=ShareToken.Channel.SHARE, expires_at__gt=timezone.now()
    )


def _posters_movable(leaver: User, successor: User) -> QuerySet[ShareToken]:
    taken = ShareToken.objects.filter(rm=successor, channel=ShareToken.Channel.POSTER).values("material_id")
    return ShareToken.objects.filter(rm=leaver, channel=ShareToken.Channel.POSTER).exclude(
        material_id__in=taken
    )


def share_links_preview(leaver: User, successor: User) -> dict[str, Preview]:
    """What `share_links_handover` would move, each with the material's title as its name."""
    previews = {}
    for key, links in (
        ("share_links", _live_links_of(leaver)),
        ("poster_links", _posters_movable(leaver, successor)),
    ):
        rows = list(links.order_by("-pk").values_list("pk", "material__title"))
        previews[key] = preview_of([pk for pk, _t in rows], [title for _pk, title in rows[:SAMPLE_SIZE]])
    return previews
