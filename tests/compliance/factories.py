from __future__ import annotations

import itertools
from datetime import timedelta

import factory
from django.utils import timezone

from compliance.services.lexicon import term_create
from rm_portal.customers.models import Customer
from tests.factories import BranchFactory

_ids = itertools.count(1)


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    cust_no = factory.Sequence(lambda n: f"C{n:08d}")
    name = factory.Sequence(lambda n: f"客户{n}")
    branch = factory.SubFactory(BranchFactory)


def demo_terms() -> None:
    term_create(
        term="保本",
        category="承诺收益",
        severity="block",
        allow=["不保本", "非保本"],
        suggestion="理财非存款",
    )
    term_create(term="保证收益", category="承诺收益", severity="block", suggestion="理财非存款")
    term_create(term="加微信", category="引导私加联系方式", severity="warn", suggestion="请用企业微信")
    term_create(term="私下转账", category="私下交易", severity="block")


def item(rm: str, content: str, **overrides: object) -> dict:
    n = next(_ids)
    base = {
        "external_id": f"m-{n}",
        "channel": "wecom",
        "rm": rm,
        "external_contact": f"wm-{rm}",
        "direction": "out",
        "sent_at": (timezone.now() - timedelta(minutes=10) + timedelta(seconds=n % 500)).isoformat(),
        "content": content,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}
