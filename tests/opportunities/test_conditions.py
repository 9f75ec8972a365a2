from __future__ import annotations

import pytest

from rm_portal.core.errors import Invalid
from rm_portal.opportunities.conditions import condition_check
from rm_portal.opportunities.scripts import script_fields, script_render

pytestmark = pytest.mark.django_db


def test_became_is_a_tag_change_reference_and_positions_point_into_the_written_text(world):
    condition = condition_check("became(沉睡客户) and tag(td_due) and td_maturing_days <= 7")
    tags, became = condition.tag_codes()
    assert became == {"dormant"} and tags == {"td_due"}
    assert condition.indicators == {"td_maturing_days"}
    with pytest.raises(Invalid) as error:
        condition_check("became(沉睡客户) and nope > 1")
    assert "位置 18" in str(error.value)  # "nope" starts at character 18 of what was written


def test_became_of_an_unknown_tag_is_refused_at_its_position(world):
    with pytest.raises(Invalid) as error:
        condition_check("aum > 1 or became(没有这个标签)")
    assert "位置 12" in str(error.value) and "没有这个标签" in str(error.value)


def test_the_word_became_inside_a_string_is_left_alone(world):
    with pytest.raises(Invalid) as error:
        condition_check("gender = 'became(x)' and became(y)")
    assert "未知的标签 y" in str(error.value)


def test_script_placeholders_are_checked_and_rendered():
    assert script_fields("{customer_name} {product} {maturity_date}") == {
        "customer_name",
        "product",
        "maturity_date",
    }
    with pytest.raises(Invalid) as error:
        script_fields("您好{customer_nmae}")
    assert "customer_nmae" in str(error.value)
    for bad in (
        "{customer_name:>99999999}",
        "{customer_name!r}",
        "{customer_name.__class__}",
        "{0}",
        "{",
        "}",
    ):
        with pytest.raises(Invalid):
            script_fields(bad)
    assert script_render("{customer_name}的{product}", {"customer_name": "王伟"}) == "王伟的—"
    assert script_render("{{字面}}", {}) == "{字面}"
