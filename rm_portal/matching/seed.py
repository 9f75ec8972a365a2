"""The demo's matching signals: what the seed bank's head office says counts, and how much.

Idempotent: a signal is created only when its code is missing (head office's edits stay)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from rm_portal.customers.models import HoldingType, TagDefinition
from rm_portal.matching.models import Signal, SignalKind
from rm_portal.matching.services import signal_save

ORDER = 60  # after the tags (customers) and the materials it points at
MAT, IDLE, TAG, GAP = SignalKind.MATURITY, SignalKind.IDLE_BALANCE, SignalKind.TAG, SignalKind.HOLDINGS_GAP
TD = HoldingType.TIME_DEPOSIT

# code, name, kind, tag code, holding type, days, amount, match category, match word, weight
SIGNALS: list[tuple[str, str, str, str, str, int, int, str, str, int]] = [
    ("td_maturing", "定期 7 天内到期", MAT, "", TD, 7, 0, "", "存款", 40),
    ("td_to_wealth", "定期到期可转理财", MAT, "", TD, 7, 0, "wealth", "", 30),
    ("wealth_maturing", "理财 7 天内到期", MAT, "", HoldingType.WEALTH, 7, 0, "", "理财", 40),
    ("idle_demand", "活期闲置 10 万以上", IDLE, "", "", 0, 100_000, "wealth", "", 20),
    ("hnw_fund", "高净值配置基金", TAG, "hnw", "", 0, 0, "fund", "", 10),
    ("dormant_wake", "沉睡客户唤醒", TAG, "dormant", "", 0, 0, "", "挽留", 25),
    ("payroll_care", "代发客户维护", TAG, "payroll", "", 0, 0, "", "代发", 15),
    ("birthday", "近期生日", TAG, "birthday_soon", "", 0, 0, "", "关怀", 15),
    ("no_insurance", "尚无保险保障", GAP, "", HoldingType.INSURANCE, 0, 0, "insurance", "", 5),
]


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    known = set(Signal.objects.values_list("code", flat=True))
    tags = {t.code: t for t in TagDefinition.objects.all()}
    made = 0
    for code, name, kind, tag, holding, days, amount, category, word, weight in SIGNALS:
        if code in known or (tag and tag not in tags):
            continue
        signal_save(
            code=code,
            name=name,
            kind=kind,
            tag=tags.get(tag) if tag else None,
            holding_type=holding,
            days=days,
            amount=Decimal(amount),
            match_category=category,
            match_word=word,
            weight=weight,
        )
        made += 1
    log(f"matching: {made} signals")
