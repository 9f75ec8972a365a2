from __future__ import annotations

from rm_portal.customers.models import Customer, TimelineEvent
from rm_portal.customers.services import timeline_record
from rm_portal.org.access import scope


def make(cust_no: str, owner, branch) -> Customer:
    return Customer.objects.create(cust_no=cust_no, name=f"客户{cust_no}", branch=branch, owner=owner)


def test_customers_follow_the_one_policy(rm01a, rm01b, rm02a, lead01, hq_admin, compliance, b01, b02):
    make("C1", rm01a, b01)
    make("C2", rm01b, b01)
    make("C3", rm02a, b02)
    make("C4", None, b01)  # nobody owns it yet: the branch lead sees it

    def seen(user) -> set[str]:
        return set(scope(user, Customer.objects.all()).values_list("cust_no", flat=True))

    assert seen(rm01a) == {"C1"}
    assert seen(lead01) == {"C1", "C2", "C4"}
    assert seen(hq_admin) == {"C1", "C2", "C3", "C4"}
    assert seen(compliance) == set()


def test_timeline_events_are_scoped_through_their_customer(rm01a, rm02a, b01, b02):
    mine = make("C1", rm01a, b01)
    theirs = make("C3", rm02a, b02)
    event = timeline_record(customer=mine, kind="note", title="电话回访", actor=rm01a, ref=mine)
    timeline_record(customer=theirs, kind="note", title="别人的客户")
    assert event.ref == f"customers.customer:{mine.pk}"
    assert list(scope(rm01a, TimelineEvent.objects.all())) == [event]
