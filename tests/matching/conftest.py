from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from materials.models import Kind, Material
from rm_portal.customers.models import CustomerTag, Holding, HoldingType, TagDefinition
from rm_portal.matching.models import SignalKind
from rm_portal.matching.services import signal_save
from tests.customers.factories import customer


def material(kind: str, title: str, *, by, **fields) -> Material:
    """A published material, made directly (the materials app's own tests cover its service)."""
    fields.setdefault("publish_from", timezone.now() - timedelta(days=1))
    return Material.objects.create(kind=kind, title=title, created_by=by, **fields)


def holding(customer, product: str, type: str, amount: int, days: int | None = None) -> Holding:
    maturity = None if days is None else timezone.localdate() + timedelta(days=days)
    return Holding.objects.create(
        customer=customer, product=product, type=type, amount=Decimal(amount), maturity_date=maturity
    )


@pytest.fixture
def signals(db):
    hnw = TagDefinition.objects.create(code="hnw", name="高净值", category="资产", rule="aum >= 1000000")
    made = {
        "td": signal_save(
            code="td_due",
            name="定期到期",
            kind=SignalKind.MATURITY,
            holding_type=HoldingType.TIME_DEPOSIT,
            days=7,
            match_word="存款",
            weight=40,
        ),
        "td_wealth": signal_save(
            code="td_wealth",
            name="定期到期转理财",
            kind=SignalKind.MATURITY,
            holding_type=HoldingType.TIME_DEPOSIT,
            days=7,
            match_category="wealth",
            weight=30,
        ),
        "idle": signal_save(
            code="idle",
            name="活期闲置",
            kind=SignalKind.IDLE_BALANCE,
            amount=Decimal(100000),
            match_category="wealth",
            weight=20,
        ),
        "hnw": signal_save(
            code="hnw_fund", name="高净值", kind=SignalKind.TAG, tag=hnw, match_category="fund", weight=10
        ),
        "gap": signal_save(
            code="no_ins",
            name="无保险",
            kind=SignalKind.HOLDINGS_GAP,
            holding_type=HoldingType.INSURANCE,
            match_category="insurance",
            weight=5,
        ),
    }
    made["hnw_tag"] = hnw
    return made


@pytest.fixture
def shelf(signals, hq_admin):
    """Products of every risk level, a script and a news item."""
    by = hq_admin
    return {
        "r1": material(Kind.PRODUCT, "安心7天", by=by, risk_level="R1", marketing_category="wealth"),
        "r3": material(Kind.PRODUCT, "季季红", by=by, risk_level="R3", marketing_category="wealth"),
        "r5": material(Kind.PRODUCT, "纳指QDII", by=by, risk_level="R5", marketing_category="fund"),
        "fund2": material(Kind.PRODUCT, "稳健债基", by=by, risk_level="R2", marketing_category="fund"),
        "unrated": material(Kind.PRODUCT, "无评级产品", by=by, risk_level="", marketing_category="wealth"),
        "script": material(
            Kind.SCRIPT,
            "定期存款到期提醒",
            by=by,
            tags=["存款"],
            category="存款",
            body="{customer_name}您好，您的定期存款即将到期。",
        ),
        "news": material(Kind.NEWS, "存款利率公告", by=by, tags=["存款"]),
        "draft": material(
            Kind.SCRIPT, "草稿话术", by=by, tags=["存款"], publish_from=timezone.now() + timedelta(days=3)
        ),
    }


@pytest.fixture
def wang(shelf, b01, rm01a):
    """C3, consents to wealth and fund, a time deposit due in 3 days, 200k idle, 高净值."""
    made = customer(
        "W1",
        rm01a,
        b01,
        {},
        name="王大明",
        risk_rating="C3",
        consents={"wealth": True, "fund": True},
        phone="13812341234",
    )
    holding(made, "整存整取1年", HoldingType.TIME_DEPOSIT, 300000, days=3)
    holding(made, "活期储蓄", HoldingType.DEMAND, 200000)
    CustomerTag.objects.create(customer=made, tag=TagDefinition.objects.get(code="hnw"), since=timezone.now())
    return made
