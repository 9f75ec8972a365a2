"""Opportunity conditions: the customers app's rule language plus one form, `became(tag)`.

    became(沉睡客户)      the customer has the tag now AND gained it since the rule's last run
                          (TagChange "added" after `last_run_at`; on a rule's first run, within
                          the last FIRST_RUN_WINDOW)

Everything else (comparisons over indicator codes, and/or/not, in, tag(...)) is exactly the
language of rm_portal/customers/rules/, parsed, validated and compiled there. `became(...)` is
a form of that grammar too, allowed only here (`validate(..., became=True)`): it parses to a
`Became` node (a kind of tag reference), and our compiler subclass adds to it the tag-change
subquery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from rm_portal.core.errors import Invalid
from rm_portal.customers.models import CustomerTag, IndicatorValues, TagChange
from rm_portal.customers.rules import (
    Became,
    Checked,
    Node,
    QueryCompiler,
    RuleError,
    TagRef,
    leaves,
    resolve_tag,
    validate,
)
from rm_portal.customers.services.tags import RuleContext

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
        became = {ref.ref for ref in refs if isinstance(ref, Became)}
        tags = {ref.ref for ref in refs if not isinstance(ref, Became)}
        return tags, became


def condition_parse(text: str, *, context: RuleContext | None = None) -> Condition:
    """Raises RuleError (with the 1-based position) on the first problem."""
    context = context or RuleContext.load()
    checked = validate(text, indicators=context.indicators, tags=context.tags, became=True)
    tree = resolve_tag(checked.tree, context.tags)
    positions = frozenset(leaf.position for leaf in leaves(tree) if isinstance(leaf, Became))
    return Condition(checked, tree, positions)


def condition_check(text: str, *, context: RuleContext | None = None) -> Condition:
    """condition_parse for input from people: a bad condition is a field error."""
    try:
        return condition_parse(text, context=context)
    except RuleError as error:
        raise Invalid(fields={"condition": error.text}) from error


class OpportunityCompiler(QueryCompiler):
    def __init__(
        self,
        condition: Condition,
        indicators: dict[str, str],
        since: datetime,
        column: Callable[[str, str], Any] | None = None,
    ) -> None:
        super().__init__(
            indicators, lambda code: CustomerTag.objects.filter(tag__code=code).values("customer_id"), column
        )
        self.became_positions = condition.became_positions
        self.since = since

    def compile(self, node: Node, negated: bool = False) -> Q:
        if isinstance(node, Became):
            gained = TagChange.objects.filter(
                tag__code=node.ref, change=TagChange.Change.ADDED, at__gt=self.since
            ).values("customer_id")
            return Q(customer_id__in=gained) & super().compile(node, negated)
        return super().compile(node, negated)


def condition_matching(
    condition: Condition,
    *,
    context: RuleContext,
    since: datetime,
    source: QuerySet | None = None,
    column: Callable[[str, str], Any] | None = None,
) -> QuerySet:
    """The customers satisfying the condition (one SQL query when evaluated). `source`: any
    queryset of rows with `customer_id` and either a JSON `values` or, with `column(code, type)`
    giving each indicator's expression, typed columns (the narrow feature table, as generation
    reads it); by default the latest IndicatorValues."""
    compiler = OpportunityCompiler(condition, context.indicators, since, column)
    q = compiler.compile(condition.tree)
    if source is None:
        source = IndicatorValues.objects.filter(is_latest=True)
    return source.alias(**compiler.aliases).filter(q)
