from __future__ import annotations

from rm_portal.opportunities.models import OpportunityRule
from rm_portal.opportunities.services.rules import opportunity_rule_create


def rule(code: str = "td7", condition: str = "td_maturing_days <= 7", **fields) -> OpportunityRule:
    fields.setdefault("name", f"规则{code}")
    fields.setdefault("kind", "maintain")
    fields.setdefault("script", "您好{customer_name}，我是{rm_name}。")
    return opportunity_rule_create(code=code, condition=condition, **fields)
