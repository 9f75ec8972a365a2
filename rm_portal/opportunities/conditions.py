"""Opportunity conditions: the customers app's rule language plus one form, `became(tag)`.

    became(沉睡客户)      the customer has the tag now AND gained it since the rule's last run
                          (TagChange "added" after `last_run_at`; on a rule's first run, within
                          the last FIRST_RUN_WINDOW)

Everything else (comparisons over indicator codes, and/or/not, in, tag(...)) is exactly the
language of rm_portal/customers/rules.py, parsed, validated and compiled by that module.
`became` is implemented here without touching it: the word `became` right before `(` is
rewritten to `tag   ` (same length, so every error position still points into the text the
user wrote), the customers' validator checks it as a tag reference, and our compiler
subclass turns the tag references found at those positions into a tag-change subquery.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import CustomerTag, IndicatorValues, TagChange
from rm_portal.customers.rules import (
    Checked,
    Node,
    QueryCompiler,
    RuleError,
    TagRef,
    leaves,
    resolve_tag,
    tokenize,
    validate,
)
from rm_portal.customers.services.tags import RuleContext

BECAME = "became"
FIRST_RUN_WINDOW = timedelta(days=1)


@dataclass
class Condition:
    checked: Checked
    tree: Node  # tag references resolved to codes
    became_positions: frozenset[int]

    @property
    def indicators(self) -> set[str]:
        return self.checked.indicators

    def tag_codes(self) -> tuple[set[str], set[str]]:
        """(codes referenced with tag(...), codes referenced with became(...))."""
        refs = [leaf for leaf in leaves(self.tree) if isinstance(leaf, TagRef)]
        became = {ref.ref for ref in refs if ref.position in self.became_positions}
        tags = {ref.ref for ref in refs if ref.position not in self.became_positions}
        return tags, became


def _rewrite(text: str) -> tuple[str, frozenset[int]]:
    tokens = tokenize(text)
    chars = list(text)
    positions: set[int] = set()
    for token, following in itertools.pairwise(tokens):
        if token.kind == "WORD" and token.value.lower() == BECAME and following.kind == "LPAREN":
            start = token.position - 1
            chars[start : start + len(BECAME)] = list("tag".ljust(len(BECAME)))
            positions.add(token.position)
    return "".join(chars), frozenset(positions)


def condition_parse(text: str, *, context: RuleContext | None = None) -> Condition:
    """Raises RuleError (with the 1-based position) on the first problem."""
    context = context or RuleContext.load()
    rewritten, positions = _rewrite(text)
    checked = validate(rewritten, indicators=context.indicators, tags=context.tags)
    return Condition(checked, resolve_tag(checked.tree, context.tags), positions)


def condition_check(text: str, *, context: RuleContext | None = None) -> Condition:
    """condition_parse for input from people: a bad condition is a field error."""
    try:
        return condition_parse(text, context=context)
    except RuleError as error:
        raise Invalid(fields={"condition": error.text}) from error


class OpportunityCompiler(QueryCompiler):
    def __init__(self, condition: Condition, indicators: dict[str, str], since: datetime) -> None:
        super().__init__(
            indicators, lambda code: CustomerTag.objects.filter(tag__code=code).values("customer_id")
        )
        self.became_positions = condition.became_positions
        self.since = since

    def compile(self, node: Node, negated: bool = False) -> Q:
        if isinstance(node, TagRef) and node.position in self.became_positions:
            gained = TagChange.objects.filter(
                tag__code=node.ref, change=TagChange.Change.ADDED, at__gt=self.since
            ).values("customer_id")
            return Q(customer_id__in=gained) & super().compile(node, negated)
        return super().compile(node, negated)


def condition_matching(
    condition: Condition, *, context: RuleContext, since: datetime, source: QuerySet | None = None
) -> QuerySet:
    """The latest wide records satisfying the condition (one SQL query when evaluated).
    `source`: any queryset of rows with `customer_id` and a JSON `values` (the run's
    ConditionSnapshot on PostgreSQL); by default the latest IndicatorValues."""
    compiler = OpportunityCompiler(condition, context.indicators, since)
    q = compiler.compile(condition.tree)
    if source is None:
        source = IndicatorValues.objects.filter(is_latest=True)
    return source.alias(**compiler.aliases).filter(q)
