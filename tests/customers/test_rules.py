"""The rule language: parsing, errors with positions, injection attempts, compiled queries."""

from __future__ import annotations

import pytest
from django.db import connection

from rm_portal.customers.models import CustomerTag, IndicatorValues, TagChange, TagDefinition
from rm_portal.customers.rules import Became, BoolOp, RuleError, evaluate, parse, validate
from rm_portal.customers.services.tags import RuleContext, tag_create, tag_matching, tags_recompute
from tests.conftest import need
from tests.customers.factories import customer, indicators

KNOWN = {"aum": "number", "age": "number", "gender": "text", "is_payroll": "flag"}
TAGS = {"高净值": "hnw", "hnw": "hnw"}


def error_of(rule: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        validate(rule, indicators=KNOWN, tags=TAGS)
    return caught.value


@pytest.mark.parametrize(
    "rule",
    [
        "aum >= 1000000",
        "aum > 1 and age < 60",
        "not (aum < 100 or age >= 80)",
        "gender in ('男', \"女\")",
        "gender not in ('未知')",
        "is_payroll = true and tag(高净值)",
        'tag("hnw") or aum != -3.5',
        "((aum = 1))",
        "age <> 3 AND aum == 4 OR NOT is_payroll = FALSE",
    ],
)
def test_valid_rules_parse_and_validate(rule):
    checked = validate(rule, indicators=KNOWN, tags=TAGS)
    assert checked.indicators <= set(KNOWN)


@pytest.mark.parametrize(
    ("rule", "position", "fragment"),
    [
        ("", 1, "规则为空"),
        ("aum >=", 7, "应为数字"),
        ("aum >= 1 and", 13, "应为指标代码"),
        ("(aum > 1", 9, "缺少右括号"),
        ("aum > 1)", 8, "多余的内容"),
        ("aum => 1", 6, "应为数字"),
        ("aum ~ 1", 5, "无法识别的字符"),
        ("unknown_code > 1", 1, "未知的指标代码"),
        ("aum > 1 and tag(没有的标签)", 13, "未知的标签"),
        ("gender > '男'", 1, "只能用 = 或 != 比较"),
        ("aum = '100'", 1, "不能与"),
        ("is_payroll = 1", 1, "不能与"),
        ("gender = 'x", 10, "缺少结束引号"),
        ("aum in ()", 9, "应为数字"),
        ("aum > 12abc", 9, "数字后不能紧跟字母"),
    ],
)
def test_invalid_rules_name_the_position(rule, position, fragment):
    error = error_of(rule)
    assert error.position == position, error.text
    assert fragment in error.text
    assert error.text.startswith(f"位置 {position}: ")


def became_error_of(rule: str) -> RuleError:
    with pytest.raises(RuleError) as caught:
        validate(rule, indicators=KNOWN, tags=TAGS, became=True)
    return caught.value


def test_became_is_a_node_of_the_grammar_where_it_is_allowed():
    checked = validate("became(高净值) and tag(hnw) and aum > 1", indicators=KNOWN, tags=TAGS, became=True)
    assert isinstance(checked.tree, BoolOp) and isinstance(checked.tree.items[0], Became)
    assert checked.became == {"hnw"} and checked.tags == {"hnw"}


@pytest.mark.parametrize(
    ("rule", "position", "says"),
    [
        # The message names the form the person wrote (became, not tag) and points into their text.
        ("aum > 1 and became()", 20, "became(...) 中应为标签代码或名称"),
        ("aum > 1 and became(没有的标签)", 13, "未知的标签 没有的标签"),
        ("became(高净值", 11, "缺少右括号"),
        ("became('')", 8, "became(...) 中应为标签代码或名称"),
        ("aum > 1 and", 12, "became(...)"),
    ],
)
def test_a_bad_became_reports_what_the_user_typed(rule, position, says):
    error = became_error_of(rule)
    assert (error.position, error.text) == (position, f"位置 {position}: " + error.message)
    assert says in error.text
    assert "tag(...) 中" not in error.text


def test_tag_rules_do_not_allow_became():
    # In a tag rule `became` is just a word: an unknown indicator code followed by a bracket.
    error = error_of("aum > 1 or became(高净值)")
    assert error.position == 18 and "应为比较运算符" in error.text  # the "(" after the word


@pytest.mark.parametrize(
    "rule",
    [
        "__import__('os').system('rm -rf /')",
        "aum > 1; DROP TABLE customers_customer",
        "aum > 1 -- comment",
        "aum = 1' OR '1'='1",
        "gender = '' OR 1=1",
        "open('/etc/passwd')",
        "aum.__class__ > 1",
        "lambda: 1",
        "aum > 1 /* x */",
        "`aum` > 1",
        "aum > (select 1)",
    ],
)
def test_injection_attempts_are_syntax_errors(rule):
    error = error_of(rule)
    assert error.position >= 1


def test_a_very_long_or_deep_rule_is_refused():
    assert "过长" in error_of("aum > 1 and " * 300 + "aum > 1").text
    assert "嵌套过深" in error_of("not " * 60 + "aum > 1").text


def test_missing_values_make_a_comparison_false_also_under_not():
    tree = parse("not (aum > 10)")
    assert evaluate(tree, {}, set()) is True
    assert evaluate(parse("aum > 10"), {}, set()) is False


# ---- compiled queries agree with the naive evaluation, on SQLite and PostgreSQL -----------

ROWS = {
    "C1": {"aum": 2_000_000, "age": 45, "gender": "男", "is_payroll": True, "td_maturing_days": 3},
    "C2": {"aum": 999_999.99, "age": 61, "gender": "女", "is_payroll": False, "td_maturing_days": 30},
    "C3": {"aum": 90, "age": 9, "gender": "女"},  # 90 > 1000000 would be true if compared as text
    "C4": {"aum": 1_000_000, "age": 100, "is_payroll": True, "days_since_last_txn": 400},
    "C5": {},
}
RULES = [
    "aum >= 1000000",
    "aum > 900000 and aum < 1000000",
    "aum < 100",
    "age >= 60",
    "age > 10",
    "not (age > 50)",
    "aum != 90",
    "gender = '女'",
    "gender != '女'",
    "gender in ('男', '其他')",
    "gender not in ('男')",
    "is_payroll = true",
    "is_payroll != true",
    "td_maturing_days <= 7",
    "days_since_last_txn >= 180 or age in (9, 61)",
    "(aum >= 1000000 and not is_payroll = false) or gender = '女'",
    "not (gender != '女')",
    "not (gender not in ('男')) or not (age > 50 and not td_maturing_days < 5)",
    "not not aum > 100",
]


@pytest.fixture
def table(b01, rm01a):
    indicators()
    return {no: customer(no, rm01a, b01, values) for no, values in ROWS.items()}


@pytest.mark.parametrize("rule", RULES)
def test_compiled_rule_matches_the_row_by_row_evaluation(table, rule):
    tag = TagDefinition(code="t", name="t", rule=rule)
    context = RuleContext.load()
    got = set(tag_matching(tag=tag, context=context).values_list("customer__cust_no", flat=True))
    tree = validate(rule, indicators=context.indicators, tags=context.tags).tree
    expected = {no for no, values in ROWS.items() if evaluate(tree, values, set())}
    assert got == expected, connection.vendor


@pytest.mark.postgres
def test_numbers_in_jsonb_compare_as_numbers_on_postgresql(table):
    need(connection.vendor == "postgresql", "needs PostgreSQL (DATABASE_URL=postgres://…)")
    tag = TagDefinition(code="t", name="t", rule="aum > 100")
    got = set(tag_matching(tag=tag, context=RuleContext.load()).values_list("customer__cust_no", flat=True))
    assert got == {"C1", "C2", "C4"}
    sql = str(tag_matching(tag=tag, context=RuleContext.load()).query)
    assert "double precision" in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_indicatorvalues'")
        # Dropped by migration 0006, by measurement (docs/decisions.md): imports 2.1-2.4x faster.
        assert "customers_indicatorvalues_values_gin" not in {row[0] for row in cursor.fetchall()}


def test_recompute_adds_removes_and_records_changes(table, django_assert_max_num_queries):
    hnw = tag_create(code="hnw", name="高净值", category="资产", rule="aum >= 1000000")
    tag_create(code="hnw_payroll", name="高净值代发", rule="tag(高净值) and is_payroll = true")
    # A constant number, whatever the bank's size: the feature refresh (queue, upsert) and the
    # difference (two EXCEPTs into temporary tables, one write each) — see test_features.py.
    with django_assert_max_num_queries(34):
        result = tags_recompute()
    assert list(result) == ["hnw", "hnw_payroll"]  # dependencies first
    assert set(CustomerTag.objects.filter(tag=hnw).values_list("customer__cust_no", flat=True)) == {
        "C1",
        "C4",
    }
    assert set(
        CustomerTag.objects.filter(tag__code="hnw_payroll").values_list("customer__cust_no", flat=True)
    ) == {"C1", "C4"}
    record = IndicatorValues.objects.get(customer=table["C4"])
    record.values["aum"] = 10
    record.save()
    assert tags_recompute()["hnw"] == {"added": 0, "removed": 1}
    assert tags_recompute()["hnw"] == {"added": 0, "removed": 0}  # idempotent
    changes = list(TagChange.objects.filter(tag=hnw).values_list("customer__cust_no", "change"))
    assert sorted(changes) == [("C1", "added"), ("C4", "added"), ("C4", "removed")]
    assert not CustomerTag.objects.filter(tag__code="hnw_payroll", customer=table["C4"]).exists()


def test_a_rule_may_not_refer_to_itself(table):
    from rm_portal.core.errors import Invalid
    from rm_portal.customers.services.tags import tag_update

    a = tag_create(code="a", name="甲", rule="aum > 1")
    tag_create(code="b", name="乙", rule="tag(a)")
    with pytest.raises(Invalid):
        tag_update(tag=a, rule="tag(乙)")


def test_single_pass_agrees_with_one_query_per_tag(table):
    for index, rule in enumerate(RULES):
        tag_create(code=f"r{index}", name=f"规则{index}", rule=rule)
    tag_create(code="ref", name="引用", rule="tag(r0) and not tag(规则3)")
    tags_recompute(single_pass=False)
    per_tag = set(CustomerTag.objects.values_list("tag__code", "customer__cust_no"))
    CustomerTag.objects.all().delete()
    result = tags_recompute(single_pass=True)
    assert set(CustomerTag.objects.values_list("tag__code", "customer__cust_no")) == per_tag
    assert sum(change["added"] for change in result.values()) == len(per_tag)
    assert all(change == {"added": 0, "removed": 0} for change in tags_recompute(single_pass=True).values())
    record = IndicatorValues.objects.get(customer=table["C1"])
    record.values = {}
    record.save()
    assert any(change["removed"] for change in tags_recompute(single_pass=True).values())
    assert all(change == {"added": 0, "removed": 0} for change in tags_recompute(single_pass=False).values())


def test_one_query_per_tag_also_runs_on_request(table):
    tag_create(code="hnw", name="高净值", rule="aum >= 1000000")
    assert tags_recompute(single_pass=False) == {"hnw": {"added": 2, "removed": 0}}


def test_a_value_of_the_wrong_type_spoils_no_other_tag(table):
    # Data written around the import's checks: a number indicator holding text.
    record = IndicatorValues.objects.get(customer=table["C2"])
    record.values["age"] = "sixty"
    record.save()
    tag_create(code="hnw", name="高净值", rule="aum >= 1000000")
    tag_create(code="old", name="年长", rule="age >= 60")
    result = tags_recompute()
    assert result["hnw"]["added"] == 2
    assert set(CustomerTag.objects.filter(tag__code="hnw").values_list("customer__cust_no", flat=True)) == {
        "C1",
        "C4",
    }
