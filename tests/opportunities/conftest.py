from __future__ import annotations

import pytest
from django.test import Client

from rm_portal.customers.services.tags import tag_create, tags_recompute
from rm_portal.opportunities.models import Opportunity
from rm_portal.opportunities.services.generation import opportunity_rules_run
from tests.customers.factories import customer, indicators
from tests.opportunities.factories import rule


@pytest.fixture
def world(b01, b02, rm01a, rm01b, rm02a, lead01, lead02, hq_admin, compliance):
    """Indicators, two tags, and customers of every kind of owner:

    c1 rm01a  td due in 3 days, dormant      c4 rm02a (B02) td due in 5 days
    c2 rm01a  td due in 30 days              c5 nobody (B01) td due in 1 day
    c3 rm01b  td due in 7 days, dormant      c6 rm01a  no wide record at all
    """
    indicators()
    tag_create(code="dormant", name="沉睡客户", rule="days_since_last_txn >= 180", category="活跃度")
    tag_create(code="td_due", name="定期到期", rule="td_maturing_days <= 7", category="到期")
    made = {
        "c1": customer(
            "C1",
            rm01a,
            b01,
            {"td_maturing_days": 3, "days_since_last_txn": 200, "aum": 50000.0},
            phone="13812341234",
        ),
        "c2": customer("C2", rm01a, b01, {"td_maturing_days": 30, "days_since_last_txn": 5, "aum": 1.0}),
        "c3": customer("C3", rm01b, b01, {"td_maturing_days": 7, "days_since_last_txn": 365, "aum": 2.0}),
        "c4": customer("C4", rm02a, b02, {"td_maturing_days": 5, "days_since_last_txn": 1, "aum": 3.0}),
        "c5": customer("C5", None, b01, {"td_maturing_days": 1, "days_since_last_txn": 1, "aum": 4.0}),
        "c6": customer("C6", rm01a, b01),
    }
    tags_recompute()
    return made


@pytest.fixture
def generated(world):
    """The world's opportunities after one run of the td7 rule, by cust_no."""
    rule()
    opportunity_rules_run()
    return {o.customer.cust_no: o for o in Opportunity.objects.select_related("customer")}


def signed_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
