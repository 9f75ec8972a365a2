"""Demo opportunity rules (both classes), a first generation run, and a little history:
a few completed and reviewed opportunities so the stats page shows something.

Idempotent: rules are created only when missing, generation never duplicates an open
opportunity (and respects cooldown), the history is added only once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib.auth.models import User

from rm_portal.opportunities.models import Opportunity, OpportunityRule, RuleKind
from rm_portal.opportunities.services.execution import opportunity_complete, opportunity_review
from rm_portal.opportunities.services.generation import opportunity_rules_run
from rm_portal.opportunities.services.rules import opportunity_rule_create

ORDER = 30
M, X = RuleKind.MAINTAIN, RuleKind.MINE
HELLO = "您好{customer_name}，我是{branch_name}的客户经理{rm_name}。"

# The demo's rules are narrower than a bank's first draft would be (amount floors, shorter
# windows): with ~1,000 customers per RM the broad versions gave each RM ~900 open opportunities
# on the first run, which no one could triage. These give an RM a working set of 50–90.
RULES = [
    # code, name, kind, condition, script, due_days, cooldown_days, priority
    (
        "td_maturing_7d",
        "大额定期3天内到期",
        M,
        "td_maturing_days <= 3 and aum >= 200000",
        HELLO + "您的{product}（{amount} 元）将于{maturity_date}到期，到期后可以续存或看看我行的稳健理财，"
        "方便的话我帮您提前安排一下？",
        3,
        30,
        95,
    ),
    (
        "dormant_wake",
        "沉睡大客户唤醒",
        M,
        "became(沉睡客户) and aum >= 500000",
        HELLO + "好久没见您来网点了，最近我行手机银行有新客礼和缴费优惠，我帮您看看账户情况好吗？",
        7,
        90,
        70,
    ),
    (
        "birthday_care",
        "生日关怀",
        M,
        "birthday_in_days <= 1",
        "{customer_name}您好，我是{rm_name}。祝您生日快乐！网点为您准备了一份生日小礼，欢迎这几天来取。",
        3,
        300,
        40,
    ),
    (
        "large_outflow",
        "大额资金流出（20万以上）",
        M,
        "aum_change_1m <= -200000",
        HELLO + "注意到您近期有一笔较大的资金变动，想了解一下您是否有新的理财或用款需要，我可以帮您参谋。",
        2,
        30,
        90,
    ),
    (
        "wealth_maturing_7d",
        "理财明日到期",
        M,
        "wealth_maturing_days <= 1",
        HELLO + "您的{product}将于{maturity_date}到期，我整理了几款同类产品，方便时给您介绍？",
        3,
        30,
        85,
    ),
    (
        "hnw_no_contact",
        "高净值客户半年未联系",
        M,
        "tag(高净值) and contact_days >= 180",
        HELLO + "有一阵子没向您汇报了，最近市场和利率有些变化，约个时间给您做一次资产检视？",
        7,
        60,
        80,
    ),
    (
        "kyc_expiring",
        "证件两周内到期",
        M,
        "kyc_expire_days >= 0 and kyc_expire_days <= 14",
        HELLO + "您在我行预留的身份证件即将到期，为免影响转账和支取，请近期带新证件到网点更新。",
        10,
        60,
        30,
    ),
    (
        "same_name_transfer",
        "同名他行转账",
        X,
        "samename_out_amt_1m >= 200000 and aum >= 100000",
        HELLO + "看到您近期有资金转到他行，我行目前大额存单和稳健理财收益有竞争力，方便给您对比一下吗？",
        2,
        30,
        88,
    ),
    (
        "online_loan_failed",
        "网贷申请失败",
        X,
        "online_loan_reject_cnt_1m >= 3 and credit_score >= 800 and aum >= 50000",
        HELLO + "如果您近期有用款需要，我行的线下信用贷款审批快、利率透明，可以帮您预评估额度。",
        3,
        60,
        75,
    ),
    (
        "high_balance_no_wealth",
        "高余额无理财",
        X,
        "demand_bal >= 200000 and wealth_held = false",
        HELLO + "您活期账户余额较高，放着收益偏低，我行有几款低风险理财可以了解一下？",
        5,
        60,
        65,
    ),
    (
        "payroll_credit_card",
        "代发客户办信用卡",
        X,
        "tag(代发客户) and has_credit_card = false and credit_score >= 800 and aum >= 200000",
        HELLO + "您是我行代发客户，可以免资料快速办理信用卡，首年免年费，需要的话我帮您申请。",
        7,
        90,
        50,
    ),
    (
        "pension_account",
        "个人养老金开户",
        X,
        "tag(养老金开户潜力) and aum >= 500000",
        HELLO + "个人养老金账户每年缴存可以抵税，开户只要几分钟，我可以线上指导您办理。",
        7,
        90,
        45,
    ),
    (
        "mobile_banking_open",
        "手机银行开通",
        X,
        "has_mobile_banking = false and age < 60 and aum >= 1000000",
        HELLO + "开通手机银行后转账、缴费、买理财都不用跑网点，下次来时我帮您一起开通。",
        14,
        180,
        20,
    ),
    (
        "insurance_potential",
        "保障类产品潜力",
        X,
        "tag(保险潜力) and not tag(保险客户) and aum >= 1000000",
        HELLO + "想和您聊聊家庭保障的配置，我们有几款保障型产品可以对比，约个时间面谈？",
        10,
        120,
        35,
    ),
]

HISTORY = [
    # username, outcome, amount, reviewer verdict (None = not reviewed yet)
    ("rm01a", Opportunity.Outcome.CONVERTED, Decimal("200000.00"), True),
    ("rm01a", Opportunity.Outcome.CONVERTED, Decimal("50000.00"), True),
    ("rm01a", Opportunity.Outcome.CONTACTED, None, False),
    ("rm01a", Opportunity.Outcome.UNREACHABLE, None, None),
    ("rm01b", Opportunity.Outcome.CONVERTED, Decimal("80000.00"), True),
    ("rm01b", Opportunity.Outcome.DECLINED, None, None),
    ("rm02a", Opportunity.Outcome.CONVERTED, Decimal("120000.00"), None),
    ("rm02a", Opportunity.Outcome.CONTACTED, None, None),
]


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    """`password` and `small` are the other apps' business: with the small bank's fewer customers
    the first run simply produces fewer opportunities."""
    made = 0
    for code, name, kind, condition, script, due_days, cooldown_days, priority in RULES:
        if not OpportunityRule.objects.filter(code=code).exists():
            opportunity_rule_create(
                code=code,
                name=name,
                kind=kind,
                condition=condition,
                script=script,
                due_days=due_days,
                cooldown_days=cooldown_days,
                priority=priority,
            )
            made += 1
    created = opportunity_rules_run()
    done = 0
    if not Opportunity.objects.filter(status=Opportunity.Status.DONE).exists():
        users = {u.username: u for u in User.objects.filter(username__in=["rm01a", "rm01b", "rm02a"])}
        leads = {u.staff.branch_id: u for u in User.objects.filter(username__in=["lead01", "lead02"])}
        for i, (username, outcome, amount, verdict) in enumerate(HISTORY):
            user = users.get(username)
            if user is None:
                continue
            # Spread over rules: the i-th open opportunity of this RM, skipping the urgent ones.
            opportunity = (
                Opportunity.objects.filter(assignee=user, status=Opportunity.Status.OPEN)
                .order_by("-rule__priority" if i % 2 else "rule__priority", "id")
                .first()
            )
            if opportunity is None:
                continue
            opportunity_complete(
                opportunity=opportunity, by=user, outcome=outcome, note="电话沟通，客户已了解", amount=amount
            )
            done += 1
            lead = leads.get(user.staff.branch_id)
            if verdict is not None and lead is not None:
                opportunity_review(
                    opportunity=opportunity,
                    by=lead,
                    accurate=verdict,
                    comment="触发准确" if verdict else "客户已在他行办理，规则需排除",
                )
    log(
        f"opportunities: {made} rules created, {sum(created.values())} opportunities generated, "
        f"{done} completed"
    )
