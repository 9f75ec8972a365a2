"""The naive baseline: one customer at a time, in Python (the benchmark's baseline, and tests)."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from rm_portal.customers.rules.parser import BoolOp, InList, Node, Not, TagRef

_PY_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def evaluate(node: Node, values: Mapping[str, Any], tag_codes: set[str]) -> bool:
    """The same semantics as the compiled query, for one customer (benchmark baseline, tests)."""
    if isinstance(node, BoolOp):
        results = (evaluate(item, values, tag_codes) for item in node.items)
        return all(results) if node.op == "and" else any(results)
    if isinstance(node, Not):
        return not evaluate(node.item, values, tag_codes)
    if isinstance(node, TagRef):
        return node.ref in tag_codes
    value = values.get(node.code)
    if value is None:
        return False
    if isinstance(node, InList):
        return (value in node.values) != node.negated
    return _PY_OPS[node.op](value, node.value)
