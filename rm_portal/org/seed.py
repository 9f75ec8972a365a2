"""Demo branches and people: three branches, a lead for each of two, three RMs, head office,
compliance and the chat gateway's account. Idempotent: a second run changes nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User

from rm_portal.org.models import Role
from rm_portal.org.services import branch_upsert, head_office_group, staff_create

ORDER = 10  # people first: every other app's demo data belongs to someone

BRANCHES = [("HQ", "总行营业部"), ("B01", "城东支行"), ("B02", "城西支行")]

PEOPLE = [
    # username, role, branch, employee_no, name, title, phone, wechat id
    ("hq_admin", Role.HEAD_OFFICE, "HQ", "H0001", "周总行", "零售业务部经理", "13800000001", "zhouzh"),
    ("lead01", Role.BRANCH_LEAD, "B01", "B010001", "李主任", "城东支行行长", "13800000011", "lizr"),
    ("lead02", Role.BRANCH_LEAD, "B02", "B020001", "王主任", "城西支行行长", "13800000021", "wangzr"),
    ("rm01a", Role.RM, "B01", "B010101", "张晓明", "客户经理", "13800000101", "zhangxm"),
    ("rm01b", Role.RM, "B01", "B010102", "陈静", "客户经理", "13800000102", "chenj"),
    ("rm02a", Role.RM, "B02", "B020101", "刘洋", "理财经理", "13800000201", "liuy"),
    ("compliance", Role.COMPLIANCE, "HQ", "H0101", "赵合规", "合规专员", "13800000301", "zhaohg"),
    ("gateway", Role.GATEWAY, "HQ", "SYS0001", "会话存档网关", "", "", ""),
]


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    """The same few people with `small` (the demo's logins are the same at every size)."""
    branches = {code: branch_upsert(code=code, name=name) for code, name in BRANCHES}
    head_office_group()
    created = 0
    for username, role, branch, employee_no, name, title, phone, wechat_id in PEOPLE:
        if User.objects.filter(username=username).exists():
            continue
        staff_create(
            username=username,
            password=password,
            role=role,
            branch=branches[branch],
            employee_no=employee_no,
            name=name,
            title=title,
            phone=phone,
            wechat_id=wechat_id,
        )
        created += 1
    log(f"org: {len(BRANCHES)} branches, {created} people created")
