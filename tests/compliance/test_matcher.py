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


def test_gap_is_bounded_in_distinct_units():
    assert spans("加" + " " * 3 + "微信") == [("加微信", 0, 6, "加   微信")]
    # a run of the same separator counts once: ten commas are one unit
    assert spans("加" + "，" * 10 + "微信") == [("加微信", 0, 13, "加" + "，" * 10 + "微信")]
    # four different separators are four units: past MAX_GAP
    assert spans("加-_~,微信") == []
    # and however they group, at most MAX_GAP_CHARS visible characters
    assert spans("加" + " " * 32 + "微信") == [("加微信", 0, 35, "加" + " " * 32 + "微信")]
    assert spans("加" + " " * 33 + "微信") == []


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


# --- Invisible characters never count toward the gap bound ---------------------------------

ZW4 = "\u200b" * 4  # four zero-width spaces: more than MAX_GAP if they were counted


@pytest.mark.parametrize(
    "invisible",
    [
        pytest.param("\u200b" * 4, id="zero-width spaces"),
        pytest.param("\u200c\u200d\u2060\ufeff", id="zero-width (non-)joiners, word joiner, BOM"),
        pytest.param("\u0301\u0308\u0327\u0300" * 2, id="combining marks (Mn)"),
        pytest.param("\u20dd\u20de\u20df\u20e0", id="enclosing marks (Me)"),
        pytest.param("\u00ad" * 6, id="soft hyphens"),
        pytest.param("".join(chr(c) for c in range(0xE0020, 0xE0030)), id="tag characters"),
        pytest.param("\U000e0001\U000e007f" * 3, id="language tag and cancel tag"),
        pytest.param("\u200d\ufe0f" * 3, id="ZWJ + VS16"),
        pytest.param("\ufe00\ufe0e" * 3, id="variation selectors"),
        pytest.param("\U000e0100\U000e01ef" * 3, id="variation selectors supplement"),
    ],
)
def test_any_number_of_invisible_characters_is_no_gap(invisible):
    text = invisible.join("保本保收益")
    hits = LEXICON.check(text)
    assert [(h.term, h.start, h.end) for h in hits] == [("保本保收益", 0, len(text))]
    assert hits[0].matched == text  # spans index the ORIGINAL text
    padded = "您好" + text + "哦"
    assert spans(padded) == [("保本保收益", 2, 2 + len(text), text)]


def test_the_finding_four_zero_width_spaces_between_characters_are_blocked():
    text = f"保{ZW4}本保{ZW4}收{ZW4}益"
    assert spans(text) == [("保本保收益", 0, len(text), text)]


def test_visible_separators_are_still_bounded_among_invisible_ones():
    # three visible separators (the bound) with any number of invisible ones between them: a hit
    text = "加 \u200b\u200b \u200b\u200b 微信"
    assert spans(text) == [("加微信", 0, len(text), text)]
    # four different visible separators: no hit, whatever invisible characters come with them
    assert spans("加 \u200b-\u200b_\u200b~微信") == []
    # invisible characters do not break a run: ten commas among soft hyphens are one unit
    text = "加" + "\u00ad，" * 10 + "微信"
    assert spans(text) == [("加微信", 0, len(text), text)]


def test_invisible_characters_inside_an_allow_phrase_still_allow():
    assert spans(ZW4.join("不保本")) == []


# --- Hit resolution is near-linear in the number of hits -----------------------------------


def _lines_run(lexicon: Lexicon, text: str) -> tuple[int, int]:
    """(hits, Python lines executed by the matcher): a deterministic measure of work, not time."""
    import sys
    from pathlib import Path

    import compliance.matching

    package = str(Path(compliance.matching.__file__).parent)
    lines = 0

    def tracer(frame, event, arg):
        nonlocal lines
        if not frame.f_code.co_filename.startswith(package):
            return None
        if event == "line":
            lines += 1
        return tracer

    before = sys.gettrace()
    sys.settrace(tracer)
    try:
        hits = lexicon.check(text)
    finally:
        sys.settrace(before)
    return len(hits), lines


def test_hit_resolution_work_grows_linearly_with_the_hits():
    lexicon = Lexicon(
        [
            TermSpec("撤回", "引导私加联系方式", "warn", ("撤回申请",)),
            TermSpec("回，撤", "测试", "record"),  # overlaps every 撤回 of the text below
            TermSpec("保本", "承诺收益", "block"),
        ]
    )
    # Hits, allow-phrases and overlaps in proportion: (撤回 + an allowed 撤回申请) per unit.
    unit = "撤回，撤回申请，"
    small_hits, small = _lines_run(lexicon, unit * 400)
    large_hits, large = _lines_run(lexicon, unit * 800)
    assert (small_hits, large_hits) == (400, 800)
    # Twice the hits, about twice the work (the quadratic resolution was four times).
    assert large <= 2.1 * small
    assert large < 25 * len(unit * 800)  # a bounded number of Python lines per character


def test_a_hit_heavy_text_is_answered_in_full():
    hits = Lexicon([TermSpec("撤回", "引导私加联系方式", "warn")]).check("撤回，" * 8000)
    assert len(hits) == 8000
    assert (hits[0].start, hits[-1].end) == (0, 3 * 8000 - 1)
