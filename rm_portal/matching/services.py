"""Writes of matching: head office's signals, and the cheap record of what was shown."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import Customer, HoldingType, TagDefinition
from rm_portal.matching.models import Shown, Signal, SignalKind
from rm_portal.matching.selectors import Recommendation

MAX_WEIGHT = 100
MAX_DAYS = 366


def recommendations_shown(*, customer: Customer, items: Sequence[Recommendation]) -> None:
    """One INSERT per portrait: a material shown for this customer today counts once."""
    if not items:
        return
    today = timezone.localdate()
    Shown.objects.bulk_create(
        [Shown(day=today, customer=customer, material_id=r.id, held=r.held, score=r.score) for r in items],
        ignore_conflicts=True,
    )


def _check(
    *,
    kind: str,
    tag: TagDefinition | None,
    holding_type: str,
    days: int,
    amount: Decimal,
    match_category: str,
    match_word: str,
    weight: int,
) -> None:
    problems: dict[str, str] = {}
    if kind not in SignalKind.values:
        problems["kind"] = _("未知的信号类型")
    if kind == SignalKind.TAG and tag is None:
        problems["tag"] = _("标签信号须选择一个标签")
    if kind == SignalKind.HOLDINGS_GAP and not holding_type:
        problems["holding_type"] = _("持仓缺口信号须选择产品类型")
    if holding_type and holding_type not in HoldingType.values:
        problems["holding_type"] = _("未知的产品类型")
    if not 0 <= days <= MAX_DAYS:
        problems["days"] = _("到期天数须在 0 到 366 之间")
    if amount < 0:
        problems["amount"] = _("金额不能为负")
    if not 1 <= weight <= MAX_WEIGHT:
        problems["weight"] = _("权重须在 1 到 100 之间")
    if not match_category and not match_word:
        problems["match_word"] = _("请至少填写适用营销类别或物料标签之一，否则信号不推荐任何物料")
    if problems:
        raise Invalid(fields=problems)


@transaction.atomic
def signal_save(
    *,
    signal: Signal | None = None,
    code: str,
    name: str,
    kind: str,
    tag: TagDefinition | None = None,
    holding_type: str = "",
    days: int = 7,
    amount: Decimal = Decimal(0),
    match_category: str = "",
    match_word: str = "",
    weight: int = 10,
    active: bool = True,
) -> Signal:
    """Create (signal=None) or change one of head office's signals; a bad one is a 400 by field."""
    _check(
        kind=kind,
        tag=tag,
        holding_type=holding_type,
        days=days,
        amount=amount,
        match_category=match_category,
        match_word=match_word.strip(),
        weight=weight,
    )
    same_code = Signal.objects.filter(code=code)
    if signal is not None:
        same_code = same_code.exclude(pk=signal.pk)
    if same_code.exists():
        raise Invalid(fields={"code": _("代码已存在")})
    target = signal or Signal()
    target.code = code
    target.name = name
    target.kind = kind
    target.tag = tag if kind == SignalKind.TAG else None
    target.holding_type = holding_type
    target.days = days
    target.amount = amount
    target.match_category = match_category
    target.match_word = match_word.strip()
    target.weight = weight
    target.active = active
    target.save()
    return target
