"""The tag rule language of DESIGN §5: a hand-written tokenizer and recursive-descent parser.

Nothing here calls `eval`; a rule is text → tokens → a small tree → either a Django `Q` over
the indicator wide table (set-based, one query per tag) or, for the benchmark's naive
baseline and for tests, a Python predicate over one customer's values.

Grammar (keywords are case-insensitive; docs/customers.md has examples):

    rule       := or_expr EOF
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | primary
    primary    := "(" or_expr ")" | tag_ref | comparison
    tag_ref    := "tag" "(" (WORD | STRING) ")"          tag by code or by name
    comparison := CODE op literal | CODE ["not"] "in" "(" literal ("," literal)* ")"
    op         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    literal    := NUMBER | "-" NUMBER | STRING | "true" | "false"

A comparison on an indicator the customer has no value for is false (so `not (x > 1)` is true).
Errors carry the 1-based character position: `位置 12: 应为比较运算符`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import FloatField, Q, TextField
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

MAX_RULE_LENGTH = 2000
MAX_DEPTH = 40
KEYWORDS = {"and", "or", "not", "in", "true", "false", "tag"}
OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")


class RuleError(ValueError):
    def __init__(self, position: int, message: str) -> None:
        self.position = position
        self.message = message
        super().__init__(self.text)

    @property
    def text(self) -> str:
        return _("位置 %(position)s: %(message)s") % {"position": self.position, "message": self.message}


@dataclass(frozen=True)
class Token:
    kind: str  # NUMBER STRING WORD OP LPAREN RPAREN COMMA MINUS EOF
    value: Any
    position: int  # 1-based


def tokenize(text: str) -> list[Token]:
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError(MAX_RULE_LENGTH + 1, _("规则过长（最多 %(n)s 个字符）") % {"n": MAX_RULE_LENGTH})
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        start = i + 1
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(Token("LPAREN", ch, start))
            i += 1
        elif ch == ")":
            tokens.append(Token("RPAREN", ch, start))
            i += 1
        elif ch == ",":
            tokens.append(Token("COMMA", ch, start))
            i += 1
        elif ch == "-":
            tokens.append(Token("MINUS", ch, start))
            i += 1
        elif ch in "=!<>":
            op = next((o for o in OPERATORS if text.startswith(o, i)), None)
            if op is None:
                raise RuleError(start, _("无法识别的字符 %(ch)s") % {"ch": repr(ch)})
            tokens.append(Token("OP", {"==": "=", "<>": "!="}.get(op, op), start))
            i += len(op)
        elif ch in "'\"":
            value, i = _string(text, i)
            tokens.append(Token("STRING", value, start))
        elif ch.isdigit() and ch.isascii():
            j = i
            while j < len(text) and text[j].isascii() and text[j].isdigit():
                j += 1
            if j < len(text) and text[j] == "." and j + 1 < len(text) and text[j + 1].isdigit():
                j += 1
                while j < len(text) and text[j].isascii() and text[j].isdigit():
                    j += 1
            if j < len(text) and (text[j].isalpha() or text[j] == "_"):
                raise RuleError(j + 1, _("数字后不能紧跟字母"))
            literal = text[i:j]
            tokens.append(Token("NUMBER", float(literal) if "." in literal else int(literal), start))
            i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < len(text) and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(Token("WORD", text[i:j], start))
            i = j
        else:
            raise RuleError(start, _("无法识别的字符 %(ch)s") % {"ch": repr(ch)})
    tokens.append(Token("EOF", None, len(text) + 1))
    return tokens


def _string(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    out: list[str] = []
    j = i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and j + 1 < len(text) and text[j + 1] in (quote, "\\"):
            out.append(text[j + 1])
            j += 2
        elif ch == quote:
            return "".join(out), j + 1
        else:
            out.append(ch)
            j += 1
    raise RuleError(i + 1, _("字符串缺少结束引号"))


# ---- the tree ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    code: str
    op: str
    value: Any
    position: int


@dataclass(frozen=True)
class InList:
    code: str
    values: tuple
    negated: bool
    position: int


@dataclass(frozen=True)
class TagRef:
    ref: str  # code or name as written; resolved by `validate`
    position: int


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple


Node = Compare | InList | TagRef | Not | BoolOp


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.i]

    def keyword(self, word: str) -> bool:
        return self.token.kind == "WORD" and self.token.value.lower() == word

    def take(self) -> Token:
        token = self.token
        self.i += 1
        return token

    def expect(self, kind: str, message: str) -> Token:
        if self.token.kind != kind:
            raise RuleError(self.token.position, message)
        return self.take()

    def rule(self) -> Node:
        if self.token.kind == "EOF":
            raise RuleError(1, _("规则为空"))
        node = self.or_expr()
        if self.token.kind != "EOF":
            raise RuleError(self.token.position, _("多余的内容 %(t)s") % {"t": self.token.value})
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.keyword("or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp("or", tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.keyword("and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp("and", tuple(items))

    def not_expr(self) -> Node:
        if self.keyword("not"):
            self.take()
            self.enter()
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.primary()

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError(self.token.position, _("嵌套过深"))

    def primary(self) -> Node:
        token = self.token
        if token.kind == "LPAREN":
            self.take()
            self.enter()
            node = self.or_expr()
            self.depth -= 1
            self.expect("RPAREN", _("缺少右括号"))
            return node
        if token.kind != "WORD" or token.value.lower() in KEYWORDS - {"tag"}:
            raise RuleError(token.position, _("应为指标代码、tag(...) 或左括号"))
        if token.value.lower() == "tag" and self.tokens[self.i + 1].kind == "LPAREN":
            self.take()
            self.take()
            ref = self.token
            if ref.kind not in ("WORD", "STRING") or not str(ref.value).strip():
                raise RuleError(ref.position, _("tag(...) 中应为标签代码或名称"))
            self.take()
            self.expect("RPAREN", _("缺少右括号"))
            return TagRef(str(ref.value), token.position)
        self.take()
        code = token.value
        negated = False
        if self.keyword("not"):
            self.take()
            negated = True
            if not self.keyword("in"):
                raise RuleError(self.token.position, _("not 之后应为 in"))
        if self.keyword("in"):
            self.take()
            self.expect("LPAREN", _("in 之后应为左括号"))
            values = [self.literal()]
            while self.token.kind == "COMMA":
                self.take()
                values.append(self.literal())
            self.expect("RPAREN", _("缺少右括号"))
            return InList(code, tuple(values), negated, token.position)
        op = self.expect("OP", _("应为比较运算符（= != < <= > >=）或 in"))
        return Compare(code, op.value, self.literal(), token.position)

    def literal(self) -> Any:
        token = self.token
        if token.kind == "MINUS":
            self.take()
            number = self.expect("NUMBER", _("负号之后应为数字"))
            return -number.value
        if token.kind in ("NUMBER", "STRING"):
            return self.take().value
        if self.keyword("true") or self.keyword("false"):
            return self.take().value.lower() == "true"
        raise RuleError(token.position, _("应为数字、带引号的文本、true 或 false"))


def parse(text: str) -> Node:
    return _Parser(tokenize(text)).rule()


# ---- validation against the known indicators and tags -----------------------------------


@dataclass
class Checked:
    tree: Node
    indicators: set[str] = field(default_factory=set)
    tags: set[str] = field(default_factory=set)  # tag codes referenced


def _literal_type(value: Any) -> str:
    if isinstance(value, bool):
        return "flag"
    if isinstance(value, int | float):
        return "number"
    return "text"


def validate(text: str, *, indicators: Mapping[str, str], tags: Mapping[str, str]) -> Checked:
    """Parse and check every name. `indicators` maps code → type (number/text/flag);
    `tags` maps both code and name → code. Raises RuleError at the first problem."""
    checked = Checked(parse(text))
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
            checked.tags.add(tags[node.ref])
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
        return TagRef(tags.get(tree.ref, tree.ref), tree.position)
    return tree


# ---- compiling to a query ---------------------------------------------------------------

_LOOKUPS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


class QueryCompiler:
    """Compiles a checked tree to a `Q` over IndicatorValues (field `values`) plus the aliases
    the `Q` refers to. Numbers are compared as numbers (a cast of the JSON text), never as
    strings; a missing value makes the comparison false, also under `not`."""

    def __init__(self, indicators: Mapping[str, str], tag_subquery: Callable[[str], Any]) -> None:
        self.indicators = indicators
        self.tag_subquery = tag_subquery
        self.aliases: dict[str, Any] = {}
        self._names: dict[tuple[str, str], str] = {}

    def alias(self, code: str) -> str:
        kind = self.indicators[code]
        key = (code, kind)
        if key not in self._names:
            name = f"_rule_{len(self._names)}"
            if kind == "number":
                expression = Cast(KeyTextTransform(code, "values"), FloatField())
            elif kind == "flag":
                expression = KeyTransform(code, "values")
            else:
                # Cast: a bare key transform would compare JSON to JSON, not text to text.
                expression = Cast(KeyTextTransform(code, "values"), TextField())
            self._names[key] = name
            self.aliases[name] = expression
        return self._names[key]

    def compile(self, node: Node, negated: bool = False) -> Q:
        """`negated`: under an odd number of `not`s. Only there does a missing value need an
        explicit guard; elsewhere SQL's NULL already makes the comparison false."""
        if isinstance(node, BoolOp):
            result = self.compile(node.items[0], negated)
            for item in node.items[1:]:
                other = self.compile(item, negated)
                result = (result & other) if node.op == "and" else (result | other)
            return result
        if isinstance(node, Not):
            return ~self.compile(node.item, not negated)
        if isinstance(node, TagRef):
            return Q(customer_id__in=self.tag_subquery(node.ref))
        name = self.alias(node.code)
        inner_not = node.negated if isinstance(node, InList) else node.op == "!="
        if isinstance(node, InList):
            condition = Q(**{f"{name}__in": list(node.values)})
        elif node.op == "!=":
            condition = Q(**{name: node.value})
        else:
            condition = Q(**{f"{name}__{_LOOKUPS[node.op]}": node.value})
        condition = ~condition if inner_not else condition
        if negated:
            condition = Q(**{f"{name}__isnull": False}) & condition
        return condition


# ---- the naive baseline: one customer at a time, in Python -------------------------------

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


# ---- every tag in one pass over the wide table ------------------------------------------


class RecordCompiler:
    """Compiles a checked tree to an SQL boolean expression over `x`, one row per customer with
    a column per indicator the rules use: on PostgreSQL `jsonb_to_record(values) AS
    x(<record_definition()>)`, on SQLite a temporary table built by `sqlite_pivot()`. Either way
    the 448-key record is parsed once per row for all tags, instead of once per extraction
    (that parse is what a rule costs). Same semantics as QueryCompiler:
    numbers compare as float8, a missing value makes a comparison false, also under `not`.
    Tag references are expanded to the referenced tag's rule (`expand`), so one row's
    every tag is decided in the same pass. Values and keys are always bound parameters."""

    def __init__(self, indicators: Mapping[str, str], expand: Callable[[str], Node | None]) -> None:
        self.indicators = indicators
        self.expand = expand
        self.columns: dict[str, str] = {}  # code -> "quoted name" in the record's column list

    def column(self, code: str) -> str:
        if code not in self.columns:
            self.columns[code] = '"' + code.replace('"', '""') + '"'
        return "x." + self.columns[code]

    def record_definition(self) -> str:
        """The column list for `jsonb_to_record(values) AS x(...)`: every code the rules use, typed."""
        types = {"number": "float8", "flag": "boolean", "text": "text"}
        return (
            ", ".join(f"{name} {types[self.indicators[code]]}" for code, name in self.columns.items())
            or '"-" text'
        )

    def sqlite_pivot(self) -> tuple[str, list]:
        """SELECT customer_id and one column per used indicator from the latest records, with
        json_each parsing each record once. A LEFT JOIN keeps customers without any of them."""
        params: list = []
        picks = []
        for code, name in self.columns.items():
            picks.append(f"MAX(CASE WHEN j.key = %s THEN j.value END) AS {name}")
            params.append(code)
        marks = ", ".join(["%s"] * len(self.columns)) or "NULL"
        params.extend(self.columns)
        sql = (
            f"SELECT i.customer_id, {', '.join(picks) or 'NULL AS unused'} "  # noqa: S608  (quoted codes and placeholders only)
            'FROM customers_indicatorvalues i LEFT JOIN json_each(i."values") j '
            f"ON j.key IN ({marks}) WHERE i.is_latest GROUP BY i.customer_id"
        )
        return sql, params

    def compile(self, node: Node, params: list, negated: bool = False, depth: int = 0) -> str:
        if depth > MAX_DEPTH:
            raise RuleError(1, _("嵌套过深"))
        if isinstance(node, BoolOp):
            joiner = " AND " if node.op == "and" else " OR "
            return (
                "(" + joiner.join(self.compile(item, params, negated, depth + 1) for item in node.items) + ")"
            )
        if isinstance(node, Not):
            return "(NOT " + self.compile(node.item, params, not negated, depth + 1) + ")"
        if isinstance(node, TagRef):
            tree = self.expand(node.ref)
            return "FALSE" if tree is None else self.compile(tree, params, negated, depth + 1)
        kind = self.indicators[node.code]
        extract = self.column(node.code)
        own: list = []

        def literal(value: Any) -> Any:
            return float(value) if kind == "number" else value

        if isinstance(node, InList):
            own.extend(literal(value) for value in node.values)
            marks = ", ".join(["%s"] * len(node.values))
            sql = f"({extract} {'NOT IN' if node.negated else 'IN'} ({marks}))"
        else:
            own.append(literal(node.value))
            sql = f"({extract} {'<>' if node.op == '!=' else node.op} %s)"
        if negated:
            sql = f"({extract} IS NOT NULL AND {sql})"
        params.extend(own)
        return sql
