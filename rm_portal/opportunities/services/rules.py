from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid
from rm_portal.opportunities.conditions import condition_check
from rm_portal.opportunities.models import OpportunityRule
from rm_portal.opportunities.scripts import script_fields

EDITABLE = ("name", "kind", "condition", "script", "due_days", "cooldown_days", "priority", "active")


@transaction.atomic
def opportunity_rule_create(
    *,
    code: str,
    name: str,
    kind: str,
    condition: str,
    script: str = "",
    due_days: int = 3,
    cooldown_days: int = 30,
    priority: int = 50,
    active: bool = True,
) -> OpportunityRule:
    if OpportunityRule.objects.filter(code=code).exists():
        raise Invalid(fields={"code": _("规则代码已存在")})
    condition_check(condition)
    script_fields(script)
    return OpportunityRule.objects.create(
        code=code,
        name=name,
        kind=kind,
        condition=condition,
        script=script,
        due_days=due_days,
        cooldown_days=cooldown_days,
        priority=priority,
        active=active,
    )


@transaction.atomic
def opportunity_rule_update(*, rule: OpportunityRule, **fields: object) -> OpportunityRule:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise Invalid(fields={name: _("不可修改") for name in sorted(unknown)})
    if "condition" in fields:
        condition_check(str(fields["condition"]))
    if "script" in fields:
        script_fields(str(fields["script"]))
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save(update_fields=[*fields, "updated_at"])
    return rule
