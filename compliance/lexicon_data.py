"""The banking lexicon shipped with the demo: written for this project, not copied from a list.

Each category has a few hand-written block terms, warn terms and record terms; verb + object
combinations fill in the variants an RM actually types (保证收益, 承诺收益, 确保收益 …).
"""

from __future__ import annotations

from itertools import product

Spec = tuple[str, str, str, list[str], str]

RETURN_SUGGESTION = "理财非存款，产品有风险，投资须谨慎；过往业绩不代表未来表现"
CONTACT_SUGGESTION = "请通过企业微信或行内渠道与客户沟通"
PRIVATE_SUGGESTION = "所有资金往来须通过本行正规渠道办理"
PEER_SUGGESTION = "请客观介绍本行产品，不评价同业"
PRIVACY_SUGGESTION = "客户信息仅限本人查询，请勿在会话中发送"


def _combine(verbs: list[str], objects: list[str]) -> list[str]:
    return [v + o for v, o in product(verbs, objects)]


def specs() -> list[Spec]:
    out: list[Spec] = []

    def add(
        terms: list[str], category: str, severity: str, suggestion: str, allow: list[str] | None = None
    ) -> None:
        for term in terms:
            out.append((term, category, severity, list(allow or []), suggestion))

    # 承诺收益 — guaranteed returns, the regulator's first concern.
    add(
        ["保本"],
        "承诺收益",
        "block",
        RETURN_SUGGESTION,
        ["不保本", "非保本", "保本浮动收益型说明", "是否保本"],
    )
    add(["保息"], "承诺收益", "block", RETURN_SUGGESTION, ["不保息", "非保息"])
    add(
        _combine(
            ["保证", "承诺", "确保", "担保", "包你", "保你"],
            ["收益", "回报", "赚钱", "盈利", "不亏", "收益率"],
        ),
        "承诺收益",
        "block",
        RETURN_SUGGESTION,
    )
    add(
        [
            "保本保收益",
            "保本保息",
            "稳赚不赔",
            "只赚不赔",
            "稳赚",
            "零风险",
            "无风险",
            "没有风险",
            "绝对安全",
            "百分百安全",
            "肯定赚",
            "一定赚",
            "包赚",
            "包赔",
            "亏了我赔",
            "亏损我补",
            "亏了算我的",
            "刚性兑付",
            "刚兑",
            "保底收益",
            "收益保底",
            "保证本金",
            "本金无忧",
            "本金安全",
            "稳稳的收益",
            "躺赚",
            "闭眼买",
            "高收益无风险",
            "收益翻倍",
            "翻倍收益",
            "稳定高收益",
            "保证年化",
            "年化保底",
            "兜底",
            "托底",
        ],
        "承诺收益",
        "block",
        RETURN_SUGGESTION,
        ["不存在刚性兑付", "打破刚性兑付", "不保证"],
    )
    add(
        [
            "预期收益",
            "预期年化",
            "收益稳定",
            "稳健增值",
            "比存款划算",
            "比定期高",
            "跟存款一样",
            "等同存款",
            "就是存款",
            "和存款一样安全",
            "历史从未亏损",
            "从来没亏过",
            "收益有保障",
            "放心买",
            "抢购",
            "最后一天",
            "额度有限",
            "错过就没了",
            "限时",
            "内部额度",
        ],
        "承诺收益",
        "warn",
        RETURN_SUGGESTION,
        ["理财非存款"],
    )
    add(["年化收益", "收益率", "业绩比较基准"], "承诺收益", "record", RETURN_SUGGESTION)

    # 私下交易 — private transfers, fund-raising, proxy operation.
    add(
        _combine(
            ["私下", "私人", "个人"], ["转账", "汇款", "打款", "借款", "放贷", "集资", "理财", "代持", "收款"]
        ),
        "私下交易",
        "block",
        PRIVATE_SUGGESTION,
    )
    add(
        [
            "转到我卡上",
            "打到我卡上",
            "转给我个人",
            "打我个人账户",
            "我帮你操作",
            "把密码告诉我",
            "密码发给我",
            "验证码发给我",
            "把验证码告诉我",
            "代客理财",
            "代客操作",
            "帮你代买",
            "替你保管",
            "我替你保管",
            "飞单",
            "体外循环",
            "资金池",
            "高息揽储",
            "贴息存款",
            "返点",
            "返现",
            "给你返利",
            "私募内部份额",
            "民间借贷",
            "过桥资金",
            "垫资",
            "帮你过桥",
            "高利贷",
            "砍头息",
            "刷流水",
            "做流水",
            "包装流水",
        ],
        "私下交易",
        "block",
        PRIVATE_SUGGESTION,
    )
    add(
        ["借点钱", "周转一下", "帮个忙转一下", "先转给我", "现金给我"], "私下交易", "warn", PRIVATE_SUGGESTION
    )

    # 诋毁同业 — disparaging other institutions.
    add(
        _combine(
            ["某行", "他们行", "那家银行", "别的银行", "其他银行", "农行", "工行", "建行", "邮储"],
            ["要倒闭", "快倒闭", "不靠谱", "骗人", "坑人", "不安全"],
        ),
        "诋毁同业",
        "warn",
        PEER_SUGGESTION,
    )
    add(
        ["要暴雷", "已经暴雷", "快跑路", "会跑路", "黑心银行", "骗子银行", "割韭菜"],
        "诋毁同业",
        "warn",
        PEER_SUGGESTION,
    )

    # 泄露客户信息 — leaking customer data.
    add(
        _combine(
            ["发你", "给你", "导出", "拍给你"],
            ["客户名单", "客户资料", "客户信息", "身份证号", "流水明细", "账户余额", "征信报告", "客户电话"],
        ),
        "泄露客户信息",
        "block",
        PRIVACY_SUGGESTION,
    )
    add(
        ["帮你查他的", "查一下他的余额", "他的账户有多少", "他家存了多少", "客户隐私"],
        "泄露客户信息",
        "warn",
        PRIVACY_SUGGESTION,
    )
    add(["身份证号", "银行卡号", "征信"], "泄露客户信息", "record", PRIVACY_SUGGESTION)

    # 引导私加联系方式 — moving the customer off the recorded channel.
    add(
        _combine(
            ["加", "加我", "添加", "加个"],
            ["微信", "vx", "wx", "v信", "薇信", "威信", "qq", "私人微信", "个人微信", "小号", "私人号码"],
        ),
        "引导私加联系方式",
        "warn",
        CONTACT_SUGGESTION,
        ["加企业微信", "添加企业微信", "加我企业微信"],
    )
    add(
        [
            "私聊",
            "私下联系",
            "私下沟通",
            "打我私人电话",
            "我私人号码",
            "别在这里说",
            "这里不方便说",
            "换个地方聊",
            "删除聊天记录",
            "撤回",
            "聊完删掉",
        ],
        "引导私加联系方式",
        "warn",
        CONTACT_SUGGESTION,
    )

    # 违规销售 — sales conduct.
    add(
        [
            "代签",
            "替你签字",
            "帮你签名",
            "不用风险测评",
            "风险测评随便填",
            "测评我帮你做",
            "不用双录",
            "双录走个过场",
            "不用看合同",
            "合同不用看",
            "先买了再说",
        ],
        "违规销售",
        "block",
        "请客户本人完成风险测评、双录与签署",
    )
    add(["送礼品", "送购物卡", "送油卡", "存款送"], "违规销售", "warn", "营销活动以本行公告为准")
    return out
