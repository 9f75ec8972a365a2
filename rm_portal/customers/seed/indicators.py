"""The demo's 448 indicators in four groups: basic, holdings, activity and external."""

from __future__ import annotations

from rm_portal.customers.models import IndicatorGroup, IndicatorType

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
    rows: list[tuple[str, str, str, str, str]] = [(c, n, IndicatorGroup.BASIC, t, u) for c, n, t, u in BASIC]
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
