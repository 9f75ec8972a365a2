from __future__ import annotations

from datetime import date

from rm_portal.customers.models import Customer, IndicatorDefinition, IndicatorValues

INDICATORS = [
    ("aum", "资产规模", "basic", "number", "元"),
    ("age", "年龄", "basic", "number", "岁"),
    ("gender", "性别", "basic", "text", ""),
    ("is_payroll", "代发客户", "basic", "flag", ""),
    ("td_maturing_days", "最近定期到期天数", "holding", "number", "天"),
    ("days_since_last_txn", "最近动账距今", "activity", "number", "天"),
    ("samename_out_amt_1m", "同名他行转出", "external", "number", "元"),
]


def indicators() -> None:
    for order, (code, name, group, kind, unit) in enumerate(INDICATORS):
        IndicatorDefinition.objects.get_or_create(
            code=code, defaults={"name": name, "group": group, "type": kind, "unit": unit, "order": order}
        )


def customer(cust_no: str, owner, branch, values: dict | None = None, **fields) -> Customer:
    fields.setdefault("name", f"客户{cust_no}")
    made = Customer.objects.create(cust_no=cust_no, owner=owner, branch=branch, **fields)
    if values is not None:
        IndicatorValues.objects.create(customer=made, as_of=date(2026, 11, 1), values=values, is_latest=True)
    return made
