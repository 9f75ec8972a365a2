"""Tags by rule: checked on save, recomputed set-based (one query per tag, bulk writes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rm_portal.customers.models import (
    CustomerTag,
    IndicatorDefinition,
    IndicatorValues,
    Segment,
    TagChange,
    TagDefinition,
)
from rm_portal.customers.rules import Checked, QueryCompiler, RuleError, dependencies, resolve_tag, validate

logger = logging.getLogger(__name__)
CHUNK = 5000


@dataclass
class RuleContext:
    indicators: dict[str, str]  # code -> type
    tags: dict[str, str]  # code and name -> code

    @classmethod
    def load(cls) -> RuleContext:
        tags: dict[str, str] = {}
        for code, name in TagDefinition.objects.values_list("code", "name"):
            tags[name] = code
            tags[code] = code  # a code wins over another tag's identical name
        return cls(indicators=dict(IndicatorDefinition.objects.values_list("code", "type")), tags=tags)


def tag_rule_check(*, rule: str, code: str | None = None, context: RuleContext | None = None) -> Checked:
    """Parse and validate a rule; a bad one is `ValidationError({"rule": ["位置 n: …"]})`."""
    context = context or RuleContext.load()
    try:
        checked = validate(rule, indicators=context.indicators, tags=context.tags)
    except RuleError as error:
        raise ValidationError({"rule": [error.text]}) from error
    if code and _reaches(code, checked.tags, context):
        raise ValidationError({"rule": [_("标签规则不能直接或间接引用自身")]})
    return checked


def _reaches(target: str, start: set[str], context: RuleContext) -> bool:
    rules = dict(TagDefinition.objects.values_list("code", "rule"))
    seen: set[str] = set()
    todo = list(start)
    while todo:
        code = todo.pop()
        if code == target:
            return True
        if code in seen or code not in rules:
            continue
        seen.add(code)
        try:
            todo.extend(validate(rules[code], indicators=context.indicators, tags=context.tags).tags)
        except RuleError:
            continue
    return False


@transaction.atomic
def tag_create(*, code: str, name: str, rule: str, category: str = "") -> TagDefinition:
    if TagDefinition.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("标签代码已存在")]})
    if TagDefinition.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("标签名称已存在")]})
    tag_rule_check(rule=rule, code=code)
    return TagDefinition.objects.create(code=code, name=name, category=category, rule=rule)


@transaction.atomic
def tag_update(
    *, tag: TagDefinition, rule: str, name: str | None = None, category: str | None = None
) -> TagDefinition:
    tag_rule_check(rule=rule, code=tag.code)
    tag.rule = rule
    if name is not None:
        tag.name = name
    if category is not None:
        tag.category = category
    tag.save(update_fields=["rule", "name", "category", "updated_at"])
    return tag


def tag_matching(*, tag: TagDefinition, context: RuleContext) -> QuerySet:
    """The customer ids whose latest wide record satisfies the tag's rule: one SQL query."""
    checked = validate(tag.rule, indicators=context.indicators, tags=context.tags)
    compiler = QueryCompiler(
        context.indicators, lambda code: CustomerTag.objects.filter(tag__code=code).values("customer_id")
    )
    condition = compiler.compile(resolve_tag(checked.tree, context.tags))
    return (
        IndicatorValues.objects.filter(is_latest=True)
        .order_by()
        .alias(**compiler.aliases)
        .filter(condition)
        .values("customer_id")
    )


def _in_order(tags: list[TagDefinition], context: RuleContext) -> list[TagDefinition]:
    """Tags that others refer to (tag(...)) are recomputed first."""
    by_code = {tag.code: tag for tag in tags}
    ordered: list[TagDefinition] = []
    state: dict[str, int] = {}

    def visit(tag: TagDefinition) -> None:
        if state.get(tag.code) == 2:
            return
        if state.get(tag.code) == 1:
            return  # a cycle (refused on save); break it rather than loop
        state[tag.code] = 1
        try:
            refs = dependencies(resolve_tag(validate(tag.rule, **vars(context)).tree, context.tags))
        except RuleError:
            refs = set()
        for ref in sorted(refs):
            if ref in by_code:
                visit(by_code[ref])
        state[tag.code] = 2
        ordered.append(tag)

    for tag in tags:
        visit(tag)
    return ordered


def tag_recompute(*, tag: TagDefinition, context: RuleContext | None = None) -> dict[str, int]:
    context = context or RuleContext.load()
    try:
        matching = tag_matching(tag=tag, context=context)
    except RuleError as error:
        # An indicator the rule uses was removed after the rule was saved: keep the old tags.
        logger.warning("tag %s not recomputed: %s", tag.code, error.text)
        return {"added": 0, "removed": 0, "error": 1}
    now = timezone.now()
    with transaction.atomic():
        # One scan of the wide table for the rule, one read of the tag's current holders;
        # the difference is computed here and written in bulk.
        wanted = set(matching.values_list("customer_id", flat=True))
        current = set(CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True))
        added = sorted(wanted - current)
        removed = sorted(current - wanted)
        for start in range(0, len(removed), CHUNK):
            chunk = removed[start : start + CHUNK]
            CustomerTag.objects.filter(tag=tag, customer_id__in=chunk).delete()
        CustomerTag.objects.bulk_create(
            [CustomerTag(tag=tag, customer_id=customer_id, since=now) for customer_id in added],
            batch_size=CHUNK,
        )
        TagChange.objects.bulk_create(
            [TagChange(tag=tag, customer_id=c, change=TagChange.Change.ADDED, at=now) for c in added]
            + [TagChange(tag=tag, customer_id=c, change=TagChange.Change.REMOVED, at=now) for c in removed],
            batch_size=CHUNK,
        )
        TagDefinition.objects.filter(pk=tag.pk).update(recomputed_at=now)
    return {"added": len(added), "removed": len(removed)}


def tags_recompute(*, codes: list[str] | None = None) -> dict[str, dict[str, int]]:
    """Recompute every active tag (or the named ones), dependencies first."""
    context = RuleContext.load()
    tags = list(TagDefinition.objects.filter(active=True).order_by("code"))
    if codes is not None:
        tags = [tag for tag in tags if tag.code in set(codes)]
    return {tag.code: tag_recompute(tag=tag, context=context) for tag in _in_order(tags, context)}


@transaction.atomic
def segment_create(
    *, code: str, name: str, tags: list[str], match: str = Segment.Match.ALL, description: str = ""
) -> Segment:
    if Segment.objects.filter(code=code).exists():
        raise ValidationError({"code": [_("客群代码已存在")]})
    found = {tag.code: tag for tag in TagDefinition.objects.filter(code__in=tags)}
    missing = [code for code in tags if code not in found]
    if missing or not tags:
        raise ValidationError({"tags": [_("未知的标签：%(codes)s") % {"codes": ", ".join(missing) or "-"}]})
    segment = Segment.objects.create(code=code, name=name, match=match, description=description)
    segment.tags.set(found.values())
    return segment
