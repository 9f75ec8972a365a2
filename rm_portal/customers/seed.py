"""Demo portraits: 448 indicators in four groups, ~65 tags by rule, segments, ~3,000 customers.

Deterministic (random.Random with a fixed seed per customer) and idempotent: a second run
finds every definition and customer in place and changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.utils import timezone

from rm_portal.customers.models import (
    Customer,
    Holding,
    HoldingType,
    IndicatorDefinition,
    IndicatorGroup,
    IndicatorType,
    IndicatorValues,
    OwnershipRecord,
    Segment,
    TagDefinition,
    TimelineEvent,
)
from rm_portal.customers.services import timeline_record_many
from rm_portal.customers.services.tags import segment_create, tag_create, tags_recompute
from rm_portal.org.models import Branch

ORDER = 20
SEED = 20261124
N, T, F = IndicatorType.NUMBER, IndicatorType.TEXT, IndicatorType.FLAG

BASIC = [
    ("aum", "资产规模", N, "元"),
    ("age", "年龄", N, "岁"),
    ("gender", "性别", T, ""),
    ("customer_months", "开户月数", N, "月"),
    ("risk_level", "风险评级（数值）", N, "级"),
    ("is_payroll", "代发工资客户", F, ""),
    ("is_pension", "养老金代发客户", F, ""),
    ("is_social_card", "社保卡客户", F, ""),
    ("is_employee_family", "员工亲属", F, ""),
    ("has_mobile_banking", "开通手机银行", F, ""),
    ("has_wechat_bank", "绑定微信银行", F, ""),
    ("has_credit_card", "持有本行信用卡", F, ""),
    ("is_private_owner", "个体工商户", F, ""),
    ("is_farmer", "涉农客户", F, ""),
    ("vip_level", "贵宾等级", N, "级"),
    ("family_members", "家庭成员数", N, "人"),
    ("marital", "婚姻状况", T, ""),
    ("occupation", "职业", T, ""),
    ("education", "学历", T, ""),
    ("town", "所属乡镇", T, ""),
    ("products_held", "持有产品种类数", N, "种"),
    ("contribution", "年度综合贡献", N, "元"),
    ("aum_peak_12m", "近12月资产峰值", N, "元"),
    ("aum_change_1m", "资产月变动", N, "元"),
    ("aum_change_3m", "资产季变动", N, "元"),
    ("aum_rank_branch", "网点内资产排名", N, "名"),
    ("consent_wealth", "同意理财营销", F, ""),
    ("consent_loan", "同意贷款营销", F, ""),
    ("birthday_in_days", "距生日天数", N, "天"),
    ("kyc_expire_days", "证件到期天数", N, "天"),
    ("wechat_friend", "已添加企业微信", F, ""),
    ("rm_tenure_months", "当前管户时长", N, "月"),
]
PRODUCTS = [
    ("demand", "活期存款"),
    ("td", "定期存款"),
    ("wealth", "理财"),
    ("fund", "基金"),
    ("insurance", "保险"),
    ("bond", "国债"),
    ("gold", "贵金属"),
    ("loan", "贷款"),
    ("card", "信用卡"),
    ("pension_acct", "个人养老金"),
    ("large_cd", "大额存单"),
    ("trust", "信托"),
]
PRODUCT_METRICS = [
    ("bal", "余额", N, "元"),
    ("bal_avg_m", "月日均", N, "元"),
    ("bal_avg_y", "年日均", N, "元"),
    ("cnt", "持有笔数", N, "笔"),
    ("max_amt", "最大单笔", N, "元"),
    ("months", "持有月数", N, "月"),
    ("buy_amt_m", "本月买入", N, "元"),
    ("out_amt_m", "本月支取/赎回", N, "元"),
    ("mom", "余额环比", N, "%"),
    ("held", "是否持有", F, ""),
    ("first_days", "首次持有距今", N, "天"),
    ("profit_y", "年内收益", N, "元"),
    ("bal_avg_q", "季日均", N, "元"),
    ("buy_cnt_y", "年内买入笔数", N, "笔"),
    ("out_cnt_y", "年内支取/赎回笔数", N, "笔"),
]
HOLDING_EXTRA = [
    ("td_maturing_days", "最近定期到期天数", N, "天"),
    ("td_maturing_amt", "最近到期定期金额", N, "元"),
    ("wealth_maturing_days", "最近理财到期天数", N, "天"),
    ("loan_overdue_days", "贷款逾期天数", N, "天"),
]
CHANNELS = [
    ("counter", "柜面"),
    ("mobile", "手机银行"),
    ("wechat", "微信银行"),
    ("atm", "自助设备"),
    ("pos", "POS 消费"),
    ("online", "网上银行"),
    ("phone", "电话银行"),
    ("thirdpay", "第三方支付"),
    ("transfer", "转账"),
    ("salary", "工资入账"),
]
ACTIVITY_METRICS = [
    ("cnt_1m", "近1月笔数", N, "笔"),
    ("cnt_3m", "近3月笔数", N, "笔"),
    ("cnt_6m", "近6月笔数", N, "笔"),
    ("cnt_12m", "近12月笔数", N, "笔"),
    ("amt_1m", "近1月金额", N, "元"),
    ("amt_6m", "近6月金额", N, "元"),
    ("amt_avg", "笔均金额", N, "元"),
    ("amt_3m", "近3月金额", N, "元"),
    ("amt_12m", "近12月金额", N, "元"),
    ("last_days", "最近一次距今", N, "天"),
    ("active_months", "近12月活跃月数", N, "月"),
    ("used", "是否使用", F, ""),
]
ACTIVITY_EXTRA = [
    ("days_since_last_txn", "最近一次动账距今", N, "天"),
    ("dormant_months", "连续未动账月数", N, "月"),
    ("login_cnt_1m", "手机银行近1月登录", N, "次"),
    ("visit_cnt_3m", "近3月到店次数", N, "次"),
    ("contact_days", "最近一次联系距今", N, "天"),
    ("complaint_cnt_12m", "近12月投诉次数", N, "次"),
]
EXTERNAL_SOURCES = [
    ("samename_out", "同名他行转出"),
    ("samename_in", "同名他行转入"),
    ("credit_query", "征信查询"),
    ("ext_loan", "他行贷款"),
    ("ext_card", "他行信用卡"),
    ("online_loan_apply", "线上贷款申请"),
    ("online_loan_reject", "线上贷款被拒"),
    ("social_security", "社保缴纳"),
    ("provident_fund", "公积金缴存"),
    ("tax", "纳税"),
    ("utility", "水电燃气缴费"),
]
EXTERNAL_METRICS = [
    ("cnt_1m", "近1月次数", N, "次"),
    ("cnt_3m", "近3月次数", N, "次"),
    ("cnt_6m", "近6月次数", N, "次"),
    ("cnt_12m", "近12月次数", N, "次"),
    ("amt_1m", "近1月金额", N, "元"),
    ("amt_6m", "近6月金额", N, "元"),
    ("amt_3m", "近3月金额", N, "元"),
    ("amt_12m", "近12月金额", N, "元"),
    ("last_days", "最近一次距今", N, "天"),
]
EXTERNAL_EXTRA = [
    ("credit_score", "征信评分", N, "分"),
    ("house_cnt", "房产套数", N, "套"),
    ("car_cnt", "车辆数", N, "辆"),
    ("enterprise_shareholder", "企业股东", F, ""),
    ("court_record", "涉诉记录", F, ""),
    ("ext_assets_est", "他行资产估算", N, "元"),
    ("land_contract_mu", "土地承包面积", N, "亩"),
]


def indicator_catalogue() -> list[tuple[str, str, str, str, str]]:
    """(code, name, group, type, unit) for all 448 indicators."""
    rows = [(c, n, IndicatorGroup.BASIC, t, u) for c, n, t, u in BASIC]
    for product, product_name in PRODUCTS:
        for metric, metric_name, kind, unit in PRODUCT_METRICS:
            rows.append(
                (f"{product}_{metric}", f"{product_name}{metric_name}", IndicatorGroup.HOLDING, kind, unit)
            )
    rows += [(c, n, IndicatorGroup.HOLDING, t, u) for c, n, t, u in HOLDING_EXTRA]
    for channel, channel_name in CHANNELS:
        for metric, metric_name, kind, unit in ACTIVITY_METRICS:
            rows.append(
                (f"{channel}_{metric}", f"{channel_name}{metric_name}", IndicatorGroup.ACTIVITY, kind, unit)
            )
    rows += [(c, n, IndicatorGroup.ACTIVITY, t, u) for c, n, t, u in ACTIVITY_EXTRA]
    for source, source_name in EXTERNAL_SOURCES:
        for metric, metric_name, kind, unit in EXTERNAL_METRICS:
            rows.append(
                (f"{source}_{metric}", f"{source_name}{metric_name}", IndicatorGroup.EXTERNAL, kind, unit)
            )
    rows += [(c, n, IndicatorGroup.EXTERNAL, t, u) for c, n, t, u in EXTERNAL_EXTRA]
    assert len(rows) == 448 and len({r[0] for r in rows}) == 448, len(rows)
    return rows


TAGS = [
    # code, name, category, rule
    ("hnw", "高净值", "资产", "aum >= 1000000"),
    ("affluent", "富裕客户", "资产", "aum >= 300000 and aum < 1000000"),
    ("mass", "大众客户", "资产", "aum < 50000"),
    ("aum_up", "资产提升", "资产", "aum_change_3m >= 50000"),
    ("aum_down", "资产流失预警", "资产", "aum_change_3m <= -50000"),
    ("peak_drop", "资产较峰值回落", "资产", "aum_peak_12m >= 200000 and aum_change_1m < -20000"),
    ("td_due", "定期到期", "到期", "td_maturing_days <= 7"),
    ("td_due_30", "定期30天内到期", "到期", "td_maturing_days <= 30"),
    ("wealth_due", "理财到期", "到期", "wealth_maturing_days <= 7"),
    ("td_big_due", "大额定期到期", "到期", "td_maturing_days <= 7 and td_maturing_amt >= 200000"),
    ("dormant", "沉睡客户", "活跃度", "days_since_last_txn >= 180"),
    ("waking", "即将沉睡", "活跃度", "days_since_last_txn >= 90 and days_since_last_txn < 180"),
    ("active", "活跃客户", "活跃度", "days_since_last_txn <= 30 and mobile_cnt_1m >= 5"),
    ("mobile_user", "手机银行用户", "活跃度", "has_mobile_banking = true and mobile_cnt_1m >= 1"),
    ("no_mobile", "未开通手机银行", "活跃度", "has_mobile_banking = false"),
    ("wechat_user", "微信银行用户", "活跃度", "has_wechat_bank = true"),
    ("counter_only", "柜面依赖", "活跃度", "counter_cnt_3m >= 3 and mobile_cnt_3m = 0"),
    ("pos_heavy", "消费活跃", "活跃度", "pos_cnt_1m >= 20"),
    ("thirdpay_heavy", "第三方支付活跃", "活跃度", "thirdpay_amt_1m >= 5000"),
    ("no_contact_90", "90天未联系", "活跃度", "contact_days >= 90"),
    ("payroll", "代发客户", "客群", "is_payroll = true"),
    ("pension", "养老金客户", "客群", "is_pension = true"),
    ("social_card", "社保卡客户", "客群", "is_social_card = true"),
    ("private_owner", "个体工商户", "客群", "is_private_owner = true"),
    ("farmer", "涉农客户", "客群", "is_farmer = true"),
    ("senior", "银发客户", "客群", "age >= 60"),
    ("young", "年轻客户", "客群", "age < 30"),
    ("new_customer", "新开户客户", "客群", "customer_months <= 3"),
    ("long_customer", "十年老客户", "客群", "customer_months >= 120"),
    ("employee_family", "员工亲属", "客群", "is_employee_family = true"),
    ("birthday_soon", "近期生日", "关怀", "birthday_in_days <= 7"),
    ("kyc_expiring", "证件即将到期", "关怀", "kyc_expire_days <= 30"),
    ("complaint", "有投诉记录", "关怀", "complaint_cnt_12m >= 1"),
    ("td_holder", "定期客户", "产品", "td_held = true"),
    ("wealth_holder", "理财客户", "产品", "wealth_held = true"),
    ("fund_holder", "基金客户", "产品", "fund_held = true"),
    ("insurance_holder", "保险客户", "产品", "insurance_held = true"),
    ("bond_holder", "国债客户", "产品", "bond_held = true"),
    ("gold_holder", "贵金属客户", "产品", "gold_held = true"),
    ("loan_holder", "贷款客户", "产品", "loan_held = true"),
    ("card_holder", "信用卡客户", "产品", "has_credit_card = true"),
    ("pension_acct", "个人养老金开户", "产品", "pension_acct_held = true"),
    ("large_cd_holder", "大额存单客户", "产品", "large_cd_held = true"),
    ("single_product", "单一产品客户", "产品", "products_held <= 1"),
    ("multi_product", "多产品客户", "产品", "products_held >= 4"),
    (
        "deposit_only",
        "纯存款客户",
        "产品",
        "products_held <= 2 and wealth_held = false and fund_held = false",
    ),
    ("wealth_potential", "理财潜力", "潜力", "demand_bal >= 100000 and wealth_held = false"),
    (
        "insurance_potential",
        "保险潜力",
        "潜力",
        "age >= 35 and age < 55 and insurance_held = false and aum >= 100000",
    ),
    (
        "pension_potential",
        "养老金开户潜力",
        "潜力",
        "age >= 30 and age < 55 and pension_acct_held = false and is_payroll = true",
    ),
    (
        "card_potential",
        "信用卡潜力",
        "潜力",
        "has_credit_card = false and age >= 22 and age < 50 and credit_score >= 650",
    ),
    (
        "loan_potential",
        "贷款潜力",
        "潜力",
        "loan_held = false and (is_private_owner = true or is_farmer = true) and credit_score >= 600",
    ),
    ("samename_out", "同名他行转出", "外部", "samename_out_amt_1m >= 50000"),
    ("samename_in", "他行资金转入", "外部", "samename_in_amt_1m >= 50000"),
    ("online_loan_reject", "线上贷款被拒", "外部", "online_loan_reject_cnt_1m >= 1"),
    ("house_owner", "有房客户", "外部", "house_cnt >= 1"),
    ("car_owner", "有车客户", "外部", "car_cnt >= 1"),
    ("shareholder", "企业主", "外部", "enterprise_shareholder = true"),
    ("high_credit", "征信优良", "外部", "credit_score >= 750"),
    ("ext_assets_rich", "他行资产较多", "外部", "ext_assets_est >= 500000"),
    ("risk_averse", "保守型客户", "风险", "risk_level <= 2"),
    ("risk_taker", "进取型客户", "风险", "risk_level >= 4"),
    ("overdue", "贷款逾期", "风险", "loan_overdue_days >= 1"),
    ("court", "涉诉客户", "风险", "court_record = true"),
    ("hnw_dormant", "高净值沉睡", "组合", "tag(高净值) and tag(沉睡客户)"),
    ("payroll_churn", "代发流失预警", "组合", "tag(代发客户) and (tag(资产流失预警) or tag(同名他行转出))"),
]
SEGMENTS = [
    (
        "hnw_td_due",
        "高净值定期到期",
        ["hnw", "td_due"],
        Segment.Match.ALL,
        "到期前一周约见，承接续存或配置理财",
    ),
    (
        "payroll_no_wealth",
        "代发未购理财",
        ["payroll", "wealth_potential"],
        Segment.Match.ALL,
        "代发客户的理财首购",
    ),
    ("silver_care", "银发关怀", ["senior", "pension"], Segment.Match.ALL, "养老金客户的节日关怀"),
    ("churn_watch", "流失关注", ["aum_down", "samename_out", "dormant"], Segment.Match.ANY, "资金外流或沉睡"),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
    "卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国"
    "志文斌海燕鹏宇浩凯晨欣怡子涵梓轩思雨佳琪俊峰春梅秋菊冬梅"
)
OWNERS = [
    ("rm01a", "B01", 1100),
    ("rm01b", "B01", 900),
    ("rm02a", "B02", 950),
    (None, "B01", 30),
    (None, "B02", 20),
]


def _values(rng: random.Random, customer: dict, tds: list[tuple[int, Decimal]], today_days: int) -> dict:
    wealth = customer["wealth"]
    active = customer["active"]
    values: dict[str, object] = {
        "aum": float(customer["aum"]),
        "age": customer["age"],
        "gender": customer["gender"],
        "customer_months": customer["months"],
        "risk_level": customer["risk"],
        "is_payroll": rng.random() < 0.25,
        "is_pension": customer["age"] >= 55 and rng.random() < 0.6,
        "is_social_card": rng.random() < 0.5,
        "is_employee_family": rng.random() < 0.02,
        "has_mobile_banking": rng.random() < (0.85 if customer["age"] < 60 else 0.4),
        "has_wechat_bank": rng.random() < 0.55,
        "has_credit_card": rng.random() < 0.3,
        "is_private_owner": rng.random() < 0.12,
        "is_farmer": rng.random() < 0.2,
        "vip_level": min(int(wealth * 2), 6),
        "family_members": rng.randint(1, 6),
        "marital": rng.choice(["已婚", "未婚", "离异", "丧偶"]),
        "occupation": rng.choice(
            ["个体经营", "农户", "公务员", "教师", "企业职员", "退休", "医护", "自由职业"]
        ),
        "education": rng.choice(["初中", "高中", "大专", "本科", "硕士"]),
        "town": rng.choice(
            ["如城街道", "东陈镇", "丁堰镇", "白蒲镇", "下原镇", "九华镇", "石庄镇", "长江镇"]
        ),
        "contribution": round(float(customer["aum"]) * rng.uniform(0.002, 0.012), 2),
        "aum_peak_12m": round(float(customer["aum"]) * rng.uniform(1.0, 1.5), 2),
        "aum_change_1m": round(float(customer["aum"]) * rng.uniform(-0.2, 0.15), 2),
        "aum_change_3m": round(float(customer["aum"]) * rng.uniform(-0.4, 0.3), 2),
        "aum_rank_branch": rng.randint(1, 1200),
        "consent_wealth": rng.random() < 0.7,
        "consent_loan": rng.random() < 0.5,
        "birthday_in_days": customer["birthday_in_days"],
        "kyc_expire_days": rng.randint(-30, 3650),
        "wechat_friend": rng.random() < 0.4,
        "rm_tenure_months": rng.randint(1, 60),
    }
    held = 0
    for product, _name in PRODUCTS:
        has = rng.random() < {"demand": 0.98, "td": 0.6, "wealth": 0.25 + wealth * 0.1}.get(product, 0.12)
        held += has
        balance = round(float(customer["aum"]) * rng.uniform(0.05, 0.6), 2) if has else 0
        values.update(
            {
                f"{product}_bal": balance,
                f"{product}_bal_avg_m": round(balance * rng.uniform(0.8, 1.1), 2),
                f"{product}_bal_avg_y": round(balance * rng.uniform(0.6, 1.2), 2),
                f"{product}_cnt": rng.randint(1, 5) if has else 0,
                f"{product}_max_amt": round(balance * rng.uniform(0.3, 1), 2),
                f"{product}_months": rng.randint(1, 120) if has else 0,
                f"{product}_buy_amt_m": round(balance * rng.uniform(0, 0.2), 2) if has else 0,
                f"{product}_out_amt_m": round(balance * rng.uniform(0, 0.2), 2) if has else 0,
                f"{product}_mom": round(rng.uniform(-30, 30), 1) if has else 0,
                f"{product}_held": has,
                f"{product}_first_days": rng.randint(30, 4000) if has else 0,
                f"{product}_profit_y": round(balance * rng.uniform(0, 0.04), 2),
                f"{product}_bal_avg_q": round(balance * rng.uniform(0.7, 1.1), 2),
                f"{product}_buy_cnt_y": rng.randint(0, 6) if has else 0,
                f"{product}_out_cnt_y": rng.randint(0, 4) if has else 0,
            }
        )
    values["td_held"] = bool(tds)
    values["products_held"] = held
    if tds:
        soonest = min(tds)
        values["td_maturing_days"] = soonest[0]
        values["td_maturing_amt"] = float(soonest[1])
    if values["wealth_held"]:
        values["wealth_maturing_days"] = rng.randint(0, 180)
    if values["loan_held"]:
        values["loan_overdue_days"] = 0 if rng.random() < 0.95 else rng.randint(1, 90)
    dormant = rng.random() < 0.12
    for channel, _name in CHANNELS:
        used = not dormant and rng.random() < active
        monthly = rng.randint(0, 30) if used else 0
        values.update(
            {
                f"{channel}_cnt_1m": monthly,
                f"{channel}_cnt_3m": monthly * 3 + (rng.randint(0, 10) if used else 0),
                f"{channel}_cnt_6m": monthly * 6 + (rng.randint(0, 20) if used else 0),
                f"{channel}_cnt_12m": monthly * 12 + (rng.randint(0, 40) if used else 0),
                f"{channel}_amt_6m": round(monthly * 6 * rng.uniform(50, 3000), 2),
                f"{channel}_amt_avg": round(rng.uniform(50, 3000), 2) if used else 0,
                f"{channel}_amt_1m": round(monthly * rng.uniform(50, 3000), 2),
                f"{channel}_amt_3m": round(monthly * 3 * rng.uniform(50, 3000), 2),
                f"{channel}_amt_12m": round(monthly * 12 * rng.uniform(50, 3000), 2),
                f"{channel}_last_days": rng.randint(0, 30) if used else rng.randint(181, 900),
                f"{channel}_active_months": rng.randint(1, 12) if used else 0,
                f"{channel}_used": used,
            }
        )
    values.update(
        {
            "days_since_last_txn": rng.randint(180, 900) if dormant else rng.randint(0, 120),
            "dormant_months": rng.randint(6, 30) if dormant else 0,
            "login_cnt_1m": values["mobile_cnt_1m"],
            "visit_cnt_3m": values["counter_cnt_3m"] // 2,
            "contact_days": rng.randint(0, 200),
            "complaint_cnt_12m": 1 if rng.random() < 0.03 else 0,
        }
    )
    for source, _name in EXTERNAL_SOURCES:
        happens = rng.random() < 0.15
        count = rng.randint(1, 4) if happens else 0
        values.update(
            {
                f"{source}_cnt_1m": count,
                f"{source}_cnt_3m": count + (rng.randint(0, 3) if happens else 0),
                f"{source}_cnt_6m": count * 2,
                f"{source}_cnt_12m": count * 4,
                f"{source}_amt_6m": round(count * rng.uniform(20000, 300000), 2),
                f"{source}_amt_1m": round(count * rng.uniform(5000, 60000), 2),
                f"{source}_amt_3m": round(count * rng.uniform(10000, 150000), 2),
                f"{source}_amt_12m": round(count * rng.uniform(30000, 500000), 2),
                f"{source}_last_days": rng.randint(0, 30) if happens else rng.randint(90, 720),
            }
        )
    values.update(
        {
            "credit_score": rng.randint(450, 850),
            "house_cnt": rng.choice([0, 1, 1, 1, 2, 3]),
            "car_cnt": rng.choice([0, 0, 1, 1, 2]),
            "enterprise_shareholder": rng.random() < 0.05,
            "court_record": rng.random() < 0.01,
            "ext_assets_est": round(float(customer["aum"]) * rng.uniform(0, 1.5), 2),
            "land_contract_mu": round(rng.uniform(0, 20), 1) if values["is_farmer"] else 0,
        }
    )
    return values


def _on_year(day: date, year: int) -> date:
    return day.replace(year=year, day=28) if (day.month, day.day) == (2, 29) else day.replace(year=year)


def _customer(index: int, branch_code: str, today) -> tuple[dict, list[Holding], random.Random]:  # type: ignore[no-untyped-def]
    rng = random.Random(SEED * 100_000 + index)
    wealth = rng.lognormvariate(0, 1.1)
    aum = Decimal(min(wealth * 90_000, 20_000_000)).quantize(Decimal("0.01"))
    age = rng.randint(20, 82)
    birthday = today - timedelta(days=age * 365 + rng.randint(0, 364))
    next_birthday = _on_year(birthday, today.year)
    if next_birthday < today:
        next_birthday = _on_year(birthday, today.year + 1)
    customer = {
        "cust_no": f"62{index:08d}",
        "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))),
        "phone": f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}",
        "id_number": f"320682{birthday:%Y%m%d}{rng.randint(0, 9999):04d}",
        "birthday": birthday,
        "aum": aum,
        "wealth": wealth,
        "active": rng.uniform(0.2, 0.9),
        "age": age,
        "gender": rng.choice(["男", "女"]),
        "months": rng.randint(1, 300),
        "risk": rng.randint(1, 5),
        "birthday_in_days": (next_birthday - today).days,
    }
    holdings = [
        Holding(
            product="活期储蓄",
            type=HoldingType.DEMAND,
            amount=(aum * Decimal("0.2")).quantize(Decimal("0.01")),
        )
    ]
    for _n in range(rng.choice([0, 1, 1, 2])):
        # About one customer in twelve has a time deposit maturing within the week.
        days = rng.randint(0, 7) if rng.random() < 0.08 else rng.randint(8, 720)
        term = rng.choice(["3个月", "6个月", "1年", "2年", "3年"])
        holdings.append(
            Holding(
                product=f"整存整取{term}",
                type=HoldingType.TIME_DEPOSIT,
                amount=(aum * Decimal(str(round(rng.uniform(0.1, 0.4), 2)))).quantize(Decimal("0.01")),
                maturity_date=today + timedelta(days=days),
            )
        )
    if rng.random() < 0.3:
        holdings.append(
            Holding(
                product=rng.choice(["稳盈180天", "月月鑫", "季季享"]),
                type=HoldingType.WEALTH,
                amount=(aum * Decimal("0.3")).quantize(Decimal("0.01")),
                maturity_date=today + timedelta(days=rng.randint(1, 180)),
            )
        )
    if rng.random() < 0.15:
        holdings.append(
            Holding(
                product="沪深300指数基金",
                type=HoldingType.FUND,
                amount=(aum * Decimal("0.1")).quantize(Decimal("0.01")),
            )
        )
    return customer, holdings, rng


def seed(*, password: str, log) -> None:  # type: ignore[no-untyped-def]
    existing_codes = set(IndicatorDefinition.objects.values_list("code", flat=True))
    IndicatorDefinition.objects.bulk_create(
        [
            IndicatorDefinition(code=code, name=name, group=group, type=kind, unit=unit, order=i)
            for i, (code, name, group, kind, unit) in enumerate(indicator_catalogue())
            if code not in existing_codes
        ]
    )
    tags_created = 0
    for code, name, category, rule in TAGS:
        if not TagDefinition.objects.filter(code=code).exists():
            tag_create(code=code, name=name, category=category, rule=rule)
            tags_created += 1
    for code, name, tag_codes, match, description in SEGMENTS:
        if not Segment.objects.filter(code=code).exists():
            segment_create(code=code, name=name, tags=tag_codes, match=match, description=description)

    today = timezone.localdate()
    now = timezone.now()
    branches = dict(Branch.objects.values_list("code", "id"))
    users = dict(User.objects.filter(username__in=["rm01a", "rm01b", "rm02a"]).values_list("username", "id"))
    known = set(Customer.objects.values_list("cust_no", flat=True))
    new_customers: list[Customer] = []
    extras: dict[str, tuple[list[Holding], dict]] = {}
    index = 0
    for username, branch_code, count in OWNERS:
        for _n in range(count):
            index += 1
            cust_no = f"62{index:08d}"
            if cust_no in known:
                continue
            data, holdings, rng = _customer(index, branch_code, today)
            tds = [
                ((h.maturity_date - today).days, h.amount)
                for h in holdings
                if h.type == HoldingType.TIME_DEPOSIT
            ]
            values = _values(rng, data, tds, 0)
            new_customers.append(
                Customer(
                    cust_no=cust_no,
                    name=data["name"],
                    phone=data["phone"],
                    id_number=data["id_number"],
                    birthday=data["birthday"],
                    branch_id=branches[branch_code],
                    owner_id=users.get(username) if username else None,
                    risk_rating=f"C{data['risk']}",
                    consents={"wealth": values["consent_wealth"], "loan": values["consent_loan"]},
                    aum=data["aum"],
                    opened_on=today - timedelta(days=30 * data["months"]),
                )
            )
            extras[cust_no] = (holdings, values)
    Customer.objects.bulk_create(new_customers, batch_size=1000)
    created = {c.cust_no: c.pk for c in new_customers}
    holdings_rows, value_rows, ownership, events = [], [], [], []
    for cust_no, (holdings, values) in extras.items():
        pk = created[cust_no]
        for holding in holdings:
            holding.customer_id = pk
            holdings_rows.append(holding)
        value_rows.append(IndicatorValues(customer_id=pk, as_of=today, values=values, is_latest=True))
    for customer in new_customers:
        if customer.owner_id:
            ownership.append(
                OwnershipRecord(customer=customer, owner_id=customer.owner_id, started_at=now, reason="seed")
            )
            if int(customer.cust_no) % 7 == 0:
                events.append(
                    TimelineEvent(
                        customer=customer,
                        kind="note",
                        title="电话回访：客户关注定期到期后的理财配置",
                        actor_id=customer.owner_id,
                        occurred_at=now - timedelta(days=int(customer.cust_no) % 30),
                    )
                )
    Holding.objects.bulk_create(holdings_rows, batch_size=2000)
    IndicatorValues.objects.bulk_create(value_rows, batch_size=500)
    OwnershipRecord.objects.bulk_create(ownership, batch_size=2000)
    timeline_record_many(events=events)
    changes = tags_recompute() if new_customers or tags_created else {}
    tagged = sum(c["added"] for c in changes.values())
    log(
        f"customers: {len(indicator_catalogue())} indicators, {tags_created} tags created, "
        f"{len(new_customers)} customers created, {tagged} tags assigned"
    )
