"""Checking a parsed rule against the known indicators and tags, and walking its leaves."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from rm_portal.customers.rules.parser import Became, BoolOp, Compare, Node, Not, RuleError, TagRef, parse


@dataclass
class Checked:
    tree: Node
    indicators: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)  # tag codes referenced with tag(...)
    became: set[str] = field(default_factory=set)  # tag codes referenced with became(...)


def _literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, int | float):
        return "number"
    return "text"


def validate(
    text: str, *, indicators: Mapping[str, str], tags: Mapping[str, str], became: bool = False
) -> Checked:
    """Parse and check every name. `indicators` maps code → type (number/text/flag);
    `tags` maps both code and name → code; `became` allows `became(tag)`. Raises RuleError
    at the first problem."""
    checked = Checked(parse(text, became=became))
    type_names = {"number": _("数值"), "text": _("文本"), "flag": _("是否")}

    def check_value(code: str, kind: str, value: Any, position: int) -> None:
        if _literal_type(value) != kind:
            raise RuleError(
                position,
                _("指标 %(code)s 是%(kind)s类型，不能与 %(value)s 比较")
                % {"code": code, "kind": type_names.get(kind, kind), "value": repr(value)},
            )

    def walk(node: Node) -> None:
        if isinstance(node, BoolOp):
            for item in node.items:
                walk(item)
        elif isinstance(node, Not):
            walk(node.item)
        elif isinstance(node, TagRef):
            if node.ref not in tags:
                raise RuleError(node.position, _("未知的标签 %(tag)s") % {"tag": node.ref})
            (checked.became if isinstance(node, Became) else checked.tags).add(tags[node.ref])
        else:
            kind = indicators.get(node.code)
            if kind is None:
                raise RuleError(node.position, _("未知的指标代码 %(code)s") % {"code": node.code})
            checked.indicators.add(node.code)
            if isinstance(node, Compare):
                check_value(node.code, kind, node.value, node.position)
                if kind != "number" and node.op not in ("=", "!="):
                    raise RuleError(node.position, _("%(code)s 只能用 = 或 != 比较") % {"code": node.code})
            else:
                for value in node.values:
                    check_value(node.code, kind, value, node.position)

    walk(checked.tree)
    return checked


def resolve_tag(tree: Node, tags: Mapping[str, str]) -> Node:
    """The tree with every tag reference written as the tag's code."""
    if isinstance(tree, BoolOp):
        return BoolOp(tree.op, tuple(resolve_tag(item, tags) for item in tree.items))
    if isinstance(tree, Not):
        return Not(resolve_tag(tree.item, tags))
    if isinstance(tree, TagRef):
        return type(tree)(tags.get(tree.ref, tree.ref), tree.position)
    return tree


def leaves(tree: Node) -> Iterator[Node]:
    """The comparisons and tag references of a tree, left to right."""
    if isinstance(tree, BoolOp):
        for item in tree.items:
            yield from leaves(item)
    elif isinstance(tree, Not):
        yield from leaves(tree.item)
    else:
        yield tree


def dependencies(tree: Node) -> set[str]:
    """The tags a rule refers to."""
    return {leaf.ref for leaf in leaves(tree) if isinstance(leaf, TagRef)}


# The one-pass recompute writes every tag(...) as the referenced rule (RecordCompiler), so a rule's
# SQL grows with its expansion: tags that each refer to the previous one twice double at every
# step (20 steps: a million conditions). Past this many nodes a rule is refused on save, and a
# rule already stored past it is recomputed with a subquery per reference instead.
MAX_EXPANDED_NODES = 1000


def expanded_sizes(trees: Mapping[str, Node]) -> dict[str, int]:
    """For each tag code → its resolved tree: how many nodes the tree has once every tag(...) in it
    is replaced by that tag's expanded tree. Each tag is counted once (memoised, in dependency
    order), so counting is linear even where the expansion is exponential; a reference inside a
    cycle (refused on save) or to a tag without a tree counts as one node."""
    sizes: dict[str, int] = {}

    def size(node: Node) -> int:
        if isinstance(node, BoolOp):
            return 1 + sum(size(item) for item in node.items)
        if isinstance(node, Not):
            return 1 + size(node.item)
        if isinstance(node, TagRef):
            return sizes.get(node.ref, 1)
        return 1

    visiting: set[str] = set()
    for start in trees:
        # An explicit stack, not recursion: a chain of tags may be longer than Python's stack.
        stack: list[tuple[str, bool]] = [(start, False)]
        while stack:
            code, children_done = stack.pop()
            if code in sizes:
                continue
            if children_done:
                sizes[code] = size(trees[code])
                visiting.discard(code)
                continue
            if code in visiting:
                continue
            visiting.add(code)
            stack.append((code, True))
            stack.extend((ref, False) for ref in sorted(dependencies(trees[code])) if ref in trees)
    return sizes
