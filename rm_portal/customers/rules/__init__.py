"""The tag rule language: a hand-written tokenizer and recursive-descent parser.

Nothing here calls `eval`; a rule is text → tokens → a small tree → either a Django `Q` over
the indicator wide table (set-based, one query per tag) or, for the benchmark's naive
baseline and for tests, a Python predicate over one customer's values.

    parser.py    tokens, the tree, the parser            checks.py    names and types, leaves
    compile.py   tree → Q, tree → one-pass SQL           evaluate.py  tree → a Python predicate

Grammar (keywords are case-insensitive; docs/customers.md has examples):

    rule       := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" or_expr ")" | tag_ref | became | comparison
    tag_ref    := "tag" "(" (WORD | STRING) ")"          tag by code or by name
    became     := "became" "(" (WORD | STRING) ")"       only where the caller allows it
                                                         (opportunity conditions, `became=True`)
    comparison := CODE op literal | CODE ["not"] "in" "(" literal ("," literal)* ")"
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := NUMBER | "-" NUMBER | STRING | "true" | "false"

A comparison on an indicator the customer has no value for is false (so `not (x > 1)` is true).
`became(tag)` means "has the tag now and gained it recently"; a `Became` node is a `TagRef`
(so everything that walks tag references sees it) whose compiler adds the "gained" part. Tag
rules never allow it: there `became(...)` is an unknown indicator code, as any other word.
Errors carry the 1-based character position: `位置 12: 应为比较运算符`.
"""

from __future__ import annotations

from rm_portal.customers.rules.checks import (
    MAX_EXPANDED_NODES,
    Checked,
    dependencies,
    expanded_sizes,
    leaves,
    resolve_tag,
    validate,
)
from rm_portal.customers.rules.compile import FeatureCompiler, QueryCompiler, RecordCompiler
from rm_portal.customers.rules.evaluate import evaluate
from rm_portal.customers.rules.parser import (
    KEYWORDS,
    MAX_DEPTH,
    MAX_RULE_LENGTH,
    Became,
    BoolOp,
    Compare,
    InList,
    Node,
    Not,
    RuleError,
    TagRef,
    Token,
    parse,
    tokenize,
)

__all__ = [
    "KEYWORDS",
    "MAX_DEPTH",
    "MAX_EXPANDED_NODES",
    "MAX_RULE_LENGTH",
    "Became",
    "BoolOp",
    "Checked",
    "Compare",
    "FeatureCompiler",
    "InList",
    "Node",
    "Not",
    "QueryCompiler",
    "RecordCompiler",
    "RuleError",
    "TagRef",
    "Token",
    "dependencies",
    "evaluate",
    "expanded_sizes",
    "leaves",
    "parse",
    "resolve_tag",
    "tokenize",
    "validate",
]
