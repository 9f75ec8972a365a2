"""Issue 16's evasion classes, one test each, with spans into the ORIGINAL text."""

from __future__ import annotations

import pytest

from compliance.matching import Detectors, Lexicon, Rule, TermSpec, match_fold
from compliance.matching.detectors import id_number, luhn

TERMS = [
    TermSpec("vx", "引导私加联系方式", "warn"),
    TermSpec("qq", "引导私加联系方式", "warn"),
    TermSpec("wechat", "引导私加联系方式", "warn"),
    TermSpec("加微信", "引导私加联系方式", "warn", ("加企业微信",)),
    TermSpec("保本", "承诺收益", "block", ("不保本",)),
    TermSpec("日赚1000", "承诺收益", "block"),
    TermSpec("保证100%", "承诺收益", "block"),
    TermSpec("账户", "泄露客户信息", "record"),
    TermSpec("私下转账", "私下交易", "block"),
    TermSpec("稳赚", "承诺收益", "block"),
    TermSpec("限时", "承诺收益", "warn"),
    TermSpec("银行", "测试", "record"),
    TermSpec("刚性兑付", "承诺收益", "block"),
]
LEXICON = Lexicon(TERMS)  # no detectors: the lexicon's classes alone
DETECTING = Lexicon(TERMS, detectors=Detectors.defaults())


def spans(text: str, lexicon: Lexicon = LEXICON) -> list[tuple[str, int, int, str]]:
    hits = lexicon.check(text)
    for hit in hits:
        assert hit.matched == text[hit.start : hit.end]
    return [(h.term, h.start, h.end, h.matched) for h in hits]


def whole(term: str, text: str) -> list[tuple[str, int, int, str]]:
    return [(term, 0, len(text), text)]


# --- ASCII terms: the boundary is judged on the original text --------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＶＸ：zhangxm", [("vx", 0, 2, "ＶＸ")]),  # the walkthrough's finding
        ("VX:abc", [("vx", 0, 2, "VX")]),
        ("qq：12345", [("qq", 0, 2, "qq")]),
        ("加我 wechat: li_si", [("wechat", 3, 9, "wechat")]),
        # digits glued to a contact keyword are the contact
        ("qq12345678", [("qq", 0, 2, "qq")]),
        ("vx13800138000", [("vx", 0, 2, "vx")]),
        # English words merely containing the letters are not the term
        ("avxyz", []),
        ("devxyz", []),
        ("wechatty", []),
        ("I love xyz", []),
        ("de\u200bvx", []),  # an invisible character does not make a boundary
    ],
)
def test_ascii_terms_boundary_on_the_original_text(text, expected):
    assert spans(text) == expected


# --- Gaps: grapheme clusters, invisible zero, runs once ----------------------------------------


def test_a_zwj_emoji_sequence_is_one_gap_unit():
    family = "👨\u200d👩\u200d👧\u200d👦"  # four people, one grapheme cluster
    text = f"私{family}下{family}转{family}账"
    assert spans(text) == whole("私下转账", text)
    # three different clusters between two characters: the bound; four: past it
    assert spans("保😀🇨🇳👍本") == whole("保本", "保😀🇨🇳👍本")
    assert spans("保😀🇨🇳👍🎉本") == []


def test_a_run_of_the_same_separator_counts_once():
    for text in (
        "加" + " " * 12 + "微信",
        "加......微信",
        "加" + "\n" * 5 + "微" + "\n" * 5 + "信",
        "保" + "🇨🇳" * 6 + "本",
    ):
        assert spans(text)[0][0] in {"加微信", "保本"}, text
        assert spans(text)[0][1:3] == (0, len(text))


# --- Folding the whole of Unicode --------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "𝐯𝐱",  # mathematical bold
        "𝑣𝑥",  # italic
        "𝚟𝚡",  # monospace
        "𝓋𝓍",  # script
        "𝕧𝕩",  # double-struck
        "ⓥⓧ",  # circled
        "⒱⒳",  # parenthesised
        "🅥🅧",  # negative circled
        "🅅🅇",  # squared
        "ⅴⅹ",  # Roman numerals (small)
        "ѵх",  # Cyrillic homoglyphs
        "νx",  # Greek nu
        "Ｖｘ",  # full width
    ],
)
def test_letter_forms_fold_to_the_ascii_term(written):
    assert spans(f"加我{written}吧") == [("vx", 2, 4, written)]


@pytest.mark.parametrize(
    "digits",
    [
        "1000",
        "１０００",
        "①⓪⓪⓪",
        "❶⓿⓿⓿",
        "➀0⓪0",
        "⓵000",
        "𝟏𝟎𝟎𝟎",
        "١٠٠٠",
        "一千",
        "壹仟",
        "幺零零零",
        "一〇〇〇",
    ],
)
def test_number_terms_match_every_digit_form_and_chinese_numerals(digits):
    text = f"日赚{digits}"
    assert spans(text) == whole("日赚1000", text)


@pytest.mark.parametrize(
    "written", ["保证100%", "保证１００％", "保证百分之百", "保证百分之一百", "保证百分之壹佰"]
)
def test_percentages_in_phrases(written):
    hits = spans(written)
    assert [h[0] for h in hits] == ["保证100%"]
    # the span runs from 保 to the last digit or numeral (a trailing ％ is a separator)
    assert hits[0][1] == 0 and hits[0][2] in (len(written), len(written) - 1)


def test_roman_numerals_with_several_letters_fold_to_their_value():
    assert match_fold("Ⅲ") == "3"
    assert match_fold("ⅰ") == "i"


@pytest.mark.parametrize(
    "invisible",
    ["\U000e0100", "\U000e01ef", "\u3164", "\u115f", "\u1160", "\uffa0", "\u200b", "\u2060"],
)
def test_variation_selectors_supplement_and_hangul_fillers_are_invisible(invisible):
    text = (invisible * 5).join("保本")
    assert spans(text) == whole("保本", text)


def test_folding_is_one_to_one():
    text = "𝐯𝐱①⑴Ⅻ保證帳戶ѵ🅥\U000e0100"
    assert len(match_fold(text)) == len(text)


# --- Repeated characters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["保保本本", "保保保本本本", "保保本本本", "加加微微信信", "私私下下转转账账"]
)
def test_each_character_doubled_or_tripled_matches(text):
    assert len(spans(text)) == 1 and spans(text)[0][1:3] == (0, len(text))


@pytest.mark.parametrize(
    "text", ["谢谢保本", "看看加微信", "稳稳的", "保保本", "哈哈哈哈", "保保保保本本本本"]
)
def test_ordinary_repetition_is_not_a_repeated_term(text):
    # only the plain term inside (if any) is a hit, never a span swallowing the repetition
    for term, start, end, _m in spans(text):
        assert end - start == len(term)


# --- Traditional → Simplified at phrase level, variants ---------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("帳戶", "账户"),
        ("賬戶", "账户"),
        ("私下轉帳", "私下转账"),
        ("剛性兌付", "刚性兑付"),
        ("銀行", "银行"),
    ],
)
def test_traditional_phrases_fold_to_the_simplified_term(text, term):
    assert spans(text) == whole(term, text)


def test_japanese_variant_forms():
    assert match_fold("乗亂") == "乘乱"  # OpenCC's JPVariants, reversed, then T→S


# --- Pinyin ------------------------------------------------------------------------------------
# --- Pinyin ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "jiaweixin",
        "jia wei xin",
        "JiaWeiXin",
        "加weixin",
        "jia微信",
        "加wei信",
        "jiā wēi xìn",
        "保ben",
        "bao本",
    ],
)
def test_terms_written_in_pinyin(text):
    assert len(spans(text)) == 1 and spans(text)[0][1:3] == (0, len(text))


def test_pinyin_rules():
    # three characters or more may be written wholly in pinyin, glued to other pinyin too
    assert spans("woyaojiaweixin") == [("加微信", 5, 14, "jiaweixin")]
    assert spans("gangxingduifu") == whole("刚性兑付", "gangxingduifu")
    # two characters wholly in pinyin are too often a homophone (xianshi: 显示, not 限时)
    assert spans("xianshi") == [] and spans("baoben") == [] and spans("bao ben") == []
    # mixed with a character they count; glued to other letters a short term's pinyin does not
    assert spans("wo xiang 保ben") == [("保本", 9, 13, "保ben")]
    assert spans("woxiang保ben") == [("保本", 7, 11, "保ben")]
    assert spans("保benefit") == []
    # an allow-phrase in pinyin allows
    assert spans("bu保ben") == []
    # characters alone are the plain pass's: a homophone in characters is not a hit
    assert spans("显示") == []
    # the phrase reading: 银行 is yin hang; yin行 (the character's common reading) is mixed
    assert spans("银hang") == whole("银行", "银hang")
    assert spans("yin行") == whole("银行", "yin行")


# --- Clause punctuation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["我想参加。微信上说", "参加！微信", "参加？微信", "参加；微信", "参加\n微信", "参加.微信"]
)
def test_a_clause_end_does_not_join_two_clauses(text):
    assert spans(text) == []


@pytest.mark.parametrize("text", ["加，微，信", "加。微。信", "加\n微\n信", "加！微？信", "加\u200b微。信"])
def test_a_term_spelled_out_across_clause_marks_is_still_found(text):
    assert spans(text) == whole("加微信", text)


def test_commas_do_not_end_a_clause():
    assert spans("参加，微信") == [("加微信", 1, 5, "加，微信")]


# --- Built-in detectors ------------------------------------------------------------------------

CARD = "6222020200112233446"  # passes Luhn
ID = "11010519491231002X"  # GB 11643 check digit X


def test_number_checks():
    assert luhn(CARD) and not luhn(CARD[:-1] + "7")
    assert id_number(ID.lower()) and not id_number("110105194912310021")


@pytest.mark.parametrize(
    ("text", "label", "matched"),
    [
        ("电话13800138000", "手机号码", "13800138000"),
        ("幺三八零零幺三八零零零", "手机号码", "幺三八零零幺三八零零零"),
        ("打①③⑧-0013-8000", "手机号码", "①③⑧-0013-8000"),
        ("138 0013 8000", "手机号码", "138 0013 8000"),
        ("座机010-12345678", "固定电话", "010-12345678"),
        ("ＶＸ：zhangxm", "微信/QQ号", "ＶＸ：zhangxm"),
        ("扣扣 12345678", "微信/QQ号", "扣扣 12345678"),
        ("qq12345678", "微信/QQ号", "qq12345678"),
        ("发邮箱 zhang.san@qq.com", "电子邮箱", "zhang.san@qq.com"),
        ("看 https://evil.example.com/a?b=1 吧", "外部链接", "https://evil.example.com/a?b=1"),
        ("卡号" + CARD, "银行卡号", CARD),
        ("身份证" + ID, "身份证号", ID),
    ],
)
def test_detectors_find_contact_details_and_numbers(text, label, matched):
    hits = DETECTING.check(text)
    assert [(h.term, h.matched) for h in hits if h.term == label] == [(label, matched)]
    for hit in hits:
        assert hit.matched == text[hit.start : hit.end]


@pytest.mark.parametrize(
    "text",
    [
        "订单号1234567890123",
        "金额 100,000 元",
        "卡号6222020200112233445",
        "身份证110105194912310021",
        "2026年12月2日",
    ],
)
def test_detectors_leave_ordinary_numbers_alone(text):
    assert [
        h for h in DETECTING.check(text) if h.term in ("手机号码", "银行卡号", "身份证号", "固定电话")
    ] == []


@pytest.mark.parametrize(
    "text", ["wechat official account", "vision2020", "qq mail", "v: ab", "微信 zhangsan"]
)
def test_contact_ids_need_a_colon_a_glued_keyword_or_an_id_that_is_no_word(text):
    assert [h for h in DETECTING.check(text) if h.term == "微信/QQ号"] == []


@pytest.mark.parametrize(
    "text", ["微信 zhang_san", "wx wxid_88a7", "微信号zhangsan", "v：zhangsan", "企鹅 123456"]
)
def test_contact_ids_after_their_keywords(text):
    assert [h.matched for h in DETECTING.check(text) if h.term == "微信/QQ号"] == [text]


def test_bank_domains_are_allowed_and_detectors_switch_off():
    bank = Lexicon([], detectors=Detectors(Detectors.defaults().rules, allow_domains=("bank.cn",)))
    assert bank.check("请访问 https://www.bank.cn/x 或 m.bank.cn") == []
    assert [h.matched for h in bank.check("或 evilbank.cn")] == ["evilbank.cn"]
    phones_only = Lexicon([], detectors=Detectors((Rule("mobile", "block"),)))
    assert [(h.term, h.severity) for h in phones_only.check("13800138000 zhang@qq.com")] == [
        ("手机号码", "block")
    ]
    assert Lexicon([]).check("13800138000") == []


def test_a_detector_and_a_term_overlapping_give_one_hit():
    assert spans("qq：12345678", DETECTING) == [("微信/QQ号", 0, 11, "qq：12345678")]


# --- The batch entry point ---------------------------------------------------------------------


def test_check_many_answers_as_check_does_message_by_message():
    texts = [
        "你好",
        "加 微 信",
        "",
        "ＶＸ：zhangxm",
        "保保本本",
        "电话13800138000",
        "jiaweixin",
        "普通消息",
    ] * 3
    assert DETECTING.check_many(texts) == [DETECTING.check(t) for t in texts]
    assert DETECTING.check_many([]) == []
    # a message carrying the batch's barrier character itself is still answered on its own
    odd = ["保\uffff本", "保本"]
    assert DETECTING.check_many(odd) == [DETECTING.check(t) for t in odd]
