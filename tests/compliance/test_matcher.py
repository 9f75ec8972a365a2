"""The matcher: every evasion class caught, spans in the ORIGINAL text."""

from __future__ import annotations

import pytest

from compliance.matching import Lexicon, TermSpec, compact, compact_with_map, fold

LEXICON = Lexicon(
    [
        TermSpec("保本", "承诺收益", "block", ("不保本", "非保本"), "本产品不保本"),
        TermSpec("保证收益", "承诺收益", "block", (), "理财非存款"),
        TermSpec("保本保收益", "承诺收益", "block"),
        TermSpec("加微信", "引导私加联系方式", "warn", ("加企业微信",)),
        TermSpec("vx", "引导私加联系方式", "warn"),
        TermSpec("私下转账", "私下交易", "block"),
        TermSpec("日赚1000", "承诺收益", "block"),
        TermSpec("收益", "承诺收益", "record"),
    ]
)


def spans(text: str) -> list[tuple[str, int, int, str]]:
    hits = LEXICON.check(text)
    for hit in hits:
        assert hit.matched == text[hit.start : hit.end]  # the contract of /check/
    return [(h.term, h.start, h.end, h.matched) for h in hits]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # plain
        ("我们这款保本", [("保本", 4, 6, "保本")]),
        # case and full-width forms: ＶＸ = vx
        ("可以加ＶＸ聊", [("vx", 3, 5, "ＶＸ")]),
        ("加我VX", [("vx", 2, 4, "VX")]),
        # Traditional Chinese: 保證收益 = 保证收益
        ("本產品保證收益", [("保证收益", 3, 7, "保證收益")]),
        ("可以私下轉賬", [("私下转账", 2, 6, "私下轉賬")]),
        # spaces and separators between characters
        ("方便加 微 信吗", [("加微信", 2, 7, "加 微 信")]),
        ("加-微-信", [("加微信", 0, 5, "加-微-信")]),
        ("加.微.信", [("加微信", 0, 5, "加.微.信")]),
        ("加，微。信", [("加微信", 0, 5, "加，微。信")]),
        ("加\u3000微\u3000信", [("加微信", 0, 5, "加\u3000微\u3000信")]),
        # zero-width characters
        ("加\u200b微\u200c信", [("加微信", 0, 5, "加\u200b微\u200c信")]),
        ("保\ufeff本", [("保本", 0, 3, "保\ufeff本")]),
        # emoji, with and without variation selectors and joiners
        ("加😀微💬信", [("加微信", 0, 5, "加😀微💬信")]),
        ("加❤️微信", [("加微信", 0, 5, "加❤️微信")]),
        ("私👨\u200d👩下转账", [("私下转账", 0, 7, "私👨\u200d👩下转账")]),
        # circled and full-width digits
        ("日赚①⓪⓪⓪", [("日赚1000", 0, 6, "日赚①⓪⓪⓪")]),
        ("日赚１０００", [("日赚1000", 0, 6, "日赚１０００")]),
        # several evasions at once, with text before
        ("您好，保 證-收\u200b益哦", [("保证收益", 3, 10, "保 證-收\u200b益")]),
    ],
)
def test_evasion_classes_are_caught_with_original_spans(text, expected):
    assert spans(text) == expected


def test_allow_phrase_overrides_the_hit_it_covers():
    assert spans("本产品不保本") == []
    assert spans("属于非保本浮动收益型") == [("收益", 7, 9, "收益")]
    # the disclosure does not excuse a separate promise in the same message
    assert spans("虽然不保本，但我保本") == [("保本", 8, 10, "保本")]
    # an allow-phrase is per term: 加企业微信 excuses 加微信 only where it covers it
    assert spans("请加企业微信") == []


def test_evaded_allow_phrase_still_allows():
    assert spans("不 保 本") == []


def test_overlapping_hits_resolve_to_the_most_severe_and_longest():
    # 保本保收益 (block, 5) covers 保本 (block, 2) and 收益 (record): one hit
    assert spans("绝对保本保收益") == [("保本保收益", 2, 7, "保本保收益")]
    # the same answer whatever the order of the lexicon
    reversed_lexicon = Lexicon(list(reversed(LEXICON.terms)))
    assert [(h.term, h.start) for h in reversed_lexicon.check("绝对保本保收益")] == [("保本保收益", 2)]


def test_gap_is_bounded():
    assert spans("加" + " " * 3 + "微信") == [("加微信", 0, 6, "加   微信")]
    assert spans("加" + "，" * 10 + "微信") == []


def test_ascii_terms_need_word_boundaries():
    assert spans("devxyz") == []
    assert spans("加vx") == [("vx", 1, 3, "vx")]


def test_normalisation_keeps_offsets_one_to_one():
    text = "ＡＢＣ①保證"
    assert len(fold(text)) == len(text)
    assert fold(text) == "abc1保证"
    packed, positions = compact_with_map("加 微-信")
    assert packed == compact("加 微-信") == "加微信"
    assert positions == [0, 2, 4]


def test_no_terms_no_hits_and_empty_text():
    assert Lexicon([]).check("保本") == []
    assert LEXICON.check("") == []


def test_lone_surrogates_do_not_crash():
    assert spans("保\ud800本") == [("保本", 0, 3, "保\ud800本")]
