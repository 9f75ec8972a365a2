"""Text → tokens → a small tree: the hand-written tokenizer and recursive-descent parser.

Nothing here calls `eval`. Errors carry the 1-based character position in the text as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

MAX_RULE_LENGTH = 2000
MAX_DEPTH = 40
KEYWORDS = {"and", "or", "not", "in", "true", "false", "tag"}
BECAME = "became"
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
class Became(TagRef):
    """`became(tag)`: holds the tag now and gained it since a moment the compiler knows (the
    opportunity rule's last run). A TagRef, so tag lookups and walkers treat it as one."""


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    items: tuple


Node = Compare | InList | TagRef | Became | Not | BoolOp


class _Parser:
    def __init__(self, tokens: list[Token], *, became: bool = False) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0
        self.became = became

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
            if self.became:
                raise RuleError(token.position, _("应为指标代码、tag(...)、became(...) 或左括号"))
            raise RuleError(token.position, _("应为指标代码、tag(...) 或左括号"))
        word = token.value.lower()
        follows_paren = self.tokens[self.i + 1].kind == "LPAREN"
        if word == "tag" and follows_paren:
            return TagRef(self.reference("tag"), token.position)
        if word == BECAME and follows_paren and self.became:
            return Became(self.reference(BECAME), token.position)
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

    def reference(self, form: str) -> str:
        """`form(ref)`: the tag code or name inside; errors name the form the person wrote."""
        self.take()
        self.take()
        ref = self.token
        if ref.kind not in ("WORD", "STRING") or not str(ref.value).strip():
            raise RuleError(ref.position, _("%(form)s(...) 中应为标签代码或名称") % {"form": form})
        self.take()
        self.expect("RPAREN", _("缺少右括号"))
        return str(ref.value)

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


def parse(text: str, *, became: bool = False) -> Node:
    """The tree of a rule; `became=True` also accepts `became(tag)` (opportunity conditions)."""
    return _Parser(tokenize(text), became=became).rule()
