"""One demo customer from its index: deterministic (a random.Random seeded per customer), so a
second run builds the same person, holdings and indicator values."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from rm_portal.customers.models import Holding, HoldingType
from rm_portal.customers.seed.indicators import CHANNELS, EXTERNAL_SOURCES, PRODUCTS

SEED = 20261124

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国"
    "志文斌海燕鹏宇浩凯晨欣怡子涵梓轩思雨佳琪俊峰春梅秋菊冬梅"
)


def _values(
    rng: random.Random, customer: dict[str, Any], tds: list[tuple[int, Decimal]], today_days: int
) -> dict[str, Any]:
    wealth = customer["wealth"]
    active = customer["active"]
    values: dict[str, Any] = {
        "aum": float(customer["aum"]),
        "age": customer["age"],
        "gender": customer["gender"],
        "customer_months": customer["months"],
        "risk_level": customer["risk"],
        "is_payroll": rng.random() < 0.25,
        "is_pension": customer["age"] >= 55 and rng.random() < 0.6,
        "is_social_card": rng.random() < 0.5,
        "is_employee_family": rng.random() < 0.02,
        "has_mobile_banking": rng.random() < (0.85 if customer["age"] < 60 else 0.4),
        "has_wechat_bank": rng.random() < 0.55,
        "has_credit_card": rng.random() < 0.3,
        "is_private_owner": rng.random() < 0.12,
        "is_farmer": rng.random() < 0.2,
        "vip_level": min(int(wealth * 2), 6),
        "family_members": rng.randint(1, 6),
        "marital": rng.choice(["已婚", "未婚", "离异", "丧偶"]),
        "occupation": rng.choice(
            ["个体经营", "农户", "公务员", "教师", "企业职员", "退休", "医护", "自由职业"]
        ),
        "education": rng.choice(["初中", "高中", "大专", "本科", "硕士"]),
        "town": rng.choice(
            ["如城街道", "东陈镇", "丁堰镇", "白蒲镇", "下原镇", "九华镇", "石庄镇", "长江镇"]
        ),
        "contribution": round(float(customer["aum"]) * rng.uniform(0.002, 0.012), 2),
        "aum_peak_12m": round(float(customer["aum"]) * rng.uniform(1.0, 1.5), 2),
        "aum_change_1m": round(float(customer["aum"]) * rng.uniform(-0.2, 0.15), 2),
        "aum_change_3m": round(float(customer["aum"]) * rng.uniform(-0.4, 0.3), 2),
        "aum_rank_branch": rng.randint(1, 1200),
        "consent_wealth": rng.random() < 0.7,
        "consent_loan": rng.random() < 0.5,
        "birthday_in_days": customer["birthday_in_days"],
        "kyc_expire_days": rng.randint(-30, 3650),
        "wechat_friend": rng.random() < 0.4,
        "rm_tenure_months": rng.randint(1, 60),
    }
    held = 0
    for product, _name in PRODUCTS:
        has = rng.random() < {"demand": 0.98, "td": 0.6, "wealth": 0.25 + wealth * 0.1}.get(product, 0.12)
        held += has
        balance = round(float(customer["aum"]) * rng.uniform(0.05, 0.6), 2) if has else 0
        values.update(
            {
                f"{product}_bal": balance,
                f"{product}_bal_avg_m": round(balance * rng.uniform(0.8, 1.1), 2),
                f"{product}_bal_avg_y": round(balance * rng.uniform(0.6, 1.2), 2),
                f"{product}_cnt": rng.randint(1, 5) if has else 0,
                f"{product}_max_amt": round(balance * rng.uniform(0.3, 1), 2),
                f"{product}_months": rng.randint(1, 120) if has else 0,
                f"{product}_buy_amt_m": round(balance * rng.uniform(0, 0.2), 2) if has else 0,
                f"{product}_out_amt_m": round(balance * rng.uniform(0, 0.2), 2) if has else 0,
                f"{product}_mom": round(rng.uniform(-30, 30), 1) if has else 0,
                f"{product}_held": has,
                f"{product}_first_days": rng.randint(30, 4000) if has else 0,
                f"{product}_profit_y": round(balance * rng.uniform(0, 0.04), 2),
                f"{product}_bal_avg_q": round(balance * rng.uniform(0.7, 1.1), 2),
                f"{product}_buy_cnt_y": rng.randint(0, 6) if has else 0,
                f"{product}_out_cnt_y": rng.randint(0, 4) if has else 0,
            }
        )
    values["td_held"] = bool(tds)
    values["products_held"] = held
    if tds:
        soonest = min(tds)
        values["td_maturing_days"] = soonest[0]
        values["td_maturing_amt"] = float(soonest[1])
    if values["wealth_held"]:
        values["wealth_maturing_days"] = rng.randint(0, 180)
    if values["loan_held"]:
        values["loan_overdue_days"] = 0 if rng.random() < 0.95 else rng.randint(1, 90)
    dormant = rng.random() < 0.12
    for channel, _name in CHANNELS:
        used = not dormant and rng.random() < active
        monthly = rng.randint(0, 30) if used else 0
        values.update(
            {
                f"{channel}_cnt_1m": monthly,
                f"{channel}_cnt_3m": monthly * 3 + (rng.randint(0, 10) if used else 0),
                f"{channel}_cnt_6m": monthly * 6 + (rng.randint(0, 20) if used else 0),
                f"{channel}_cnt_12m": monthly * 12 + (rng.randint(0, 40) if used else 0),
                f"{channel}_amt_6m": round(monthly * 6 * rng.uniform(50, 3000), 2),
                f"{channel}_amt_avg": round(rng.uniform(50, 3000), 2) if used else 0,
                f"{channel}_amt_1m": round(monthly * rng.uniform(50, 3000), 2),
                f"{channel}_amt_3m": round(monthly * 3 * rng.uniform(50, 3000), 2),
                f"{channel}_amt_12m": round(monthly * 12 * rng.uniform(50, 3000), 2),
                f"{channel}_last_days": rng.randint(0, 30) if used else rng.randint(181, 900),
                f"{channel}_active_months": rng.randint(1, 12) if used else 0,
                f"{channel}_used": used,
            }
        )
    values.update(
        {
            "days_since_last_txn": rng.randint(180, 900) if dormant else rng.randint(0, 120),
            "dormant_months": rng.randint(6, 30) if dormant else 0,
            "login_cnt_1m": values["mobile_cnt_1m"],
            "visit_cnt_3m": values["counter_cnt_3m"] // 2,
            "contact_days": rng.randint(0, 200),
            "complaint_cnt_12m": 1 if rng.random() < 0.03 else 0,
        }
    )
    for source, _name in EXTERNAL_SOURCES:
        happens = rng.random() < 0.15
        count = rng.randint(1, 4) if happens else 0
        values.update(
            {
                f"{source}_cnt_1m": count,
                f"{source}_cnt_3m": count + (rng.randint(0, 3) if happens else 0),
                f"{source}_cnt_6m": count * 2,
                f"{source}_cnt_12m": count * 4,
                f"{source}_amt_6m": round(count * rng.uniform(20000, 300000), 2),
                f"{source}_amt_1m": round(count * rng.uniform(5000, 60000), 2),
                f"{source}_amt_3m": round(count * rng.uniform(10000, 150000), 2),
                f"{source}_amt_12m": round(count * rng.uniform(30000, 500000), 2),
                f"{source}_last_days": rng.randint(0, 30) if happens else rng.randint(90, 720),
            }
        )
    values.update(
        {
            "credit_score": rng.randint(450, 850),
            "house_cnt": rng.choice([0, 1, 1, 1, 2, 3]),
            "car_cnt": rng.choice([0, 0, 1, 1, 2]),
            "enterprise_shareholder": rng.random() < 0.05,
            "court_record": rng.random() < 0.01,
            "ext_assets_est": round(float(customer["aum"]) * rng.uniform(0, 1.5), 2),
            "land_contract_mu": round(rng.uniform(0, 20), 1) if values["is_farmer"] else 0,
        }
    )
    return values


def _on_year(day: date, year: int) -> date:
    return day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def _customer(
    index: int, branch_code: str, today: date
) -> tuple[dict[str, Any], list[Holding], random.Random]:
    rng = random.Random(SEED * 100_000 + index)
    wealth = rng.lognormvariate(0, 1.1)
    aum = Decimal(min(wealth * 90_000, 20_000_000)).quantize(Decimal("0.01"))
    age = rng.randint(20, 82)
    birthday = today - timedelta(days=age * 365 + rng.randint(0, 364))
    next_birthday = _on_year(birthday, today.year)
    if next_birthday < today:
        next_birthday = _on_year(birthday, today.year + 1)
    customer = {
        "cust_no": f"62{index:08d}",
        "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
        "phone": f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
        "id_number": f"320682{birthday:%Y%m%d}{rng.randint(0, 9999):04d}",
        "birthday": birthday,
        "aum": aum,
        "wealth": wealth,
        "active": rng.uniform(0.2, 0.9),
        "age": age,
        "gender": rng.choice(["男", "女"]),
        "months": rng.randint(1, 300),
        "risk": rng.randint(1, 5),
        "birthday_in_days": (next_birthday - today).days,
    }
    holdings = [
        Holding(
            product="活期储蓄",
            type=HoldingType.DEMAND,
            amount=(aum * Decimal("0.2")).quantize(Decimal("0.01")),
        )
    ]
    for _n in range(rng.choice([0, 1, 1, 2])):
        # About one customer in twelve has a time deposit maturing within the week.
        days = rng.randint(0, 7) if rng.random() < 0.08 else rng.randint(8, 720)
        term = rng.choice(["3个月", "6个月", "1年", "2年", "3年"])
        holdings.append(
            Holding(
                product=f"整存整取{term}",
                type=HoldingType.TIME_DEPOSIT,
                amount=(aum * Decimal(str(round(rng.uniform(0.1, 0.4), 2)))).quantize(Decimal("0.01")),
                maturity_date=today + timedelta(days=days),
            )
        )
    if rng.random() < 0.3:
        holdings.append(
            Holding(
                product=rng.choice(["稳盈180天", "月月鑫", "季季享"]),
                type=HoldingType.WEALTH,
                amount=(aum * Decimal("0.3")).quantize(Decimal("0.01")),
                maturity_date=today + timedelta(days=rng.randint(1, 180)),
            )
        )
    if rng.random() < 0.15:
        holdings.append(
            Holding(
                product="沪深300指数基金",
                type=HoldingType.FUND,
                amount=(aum * Decimal("0.1")).quantize(Decimal("0.01")),
            )
        )
    return customer, holdings, rng
