from __future__ import annotations

from rm_portal.customers import seed as customers_seed
from rm_portal.org import seed as org_seed
from rm_portal.wecom import seed as wecom_seed
from rm_portal.wecom.models import ContactFollow


def test_the_demo_rm_has_bound_unbound_and_lost_contacts_and_a_second_run_changes_nothing(db):
    lines: list[str] = []
    org_seed.seed(password="demo-password-1", log=lines.append)
    customers_seed.seed(password="demo-password-1", log=lines.append, small=True)
    wecom_seed.seed(password="demo-password-1", log=lines.append, small=True)
    follows = ContactFollow.objects.filter(rm__username="rm01a")
    assert follows.filter(customer__isnull=False).count() == 3
    assert follows.filter(customer__isnull=True, status="active").count() == 2
    assert follows.filter(status="lost").count() == 1
    for follow in follows.filter(customer__isnull=False).select_related("customer", "contact"):
        assert follow.customer.owner.username == "rm01a"
        assert follow.customer.wechat_external_id == follow.contact.external_userid
    wecom_seed.seed(password="demo-password-1", log=lines.append, small=True)
    assert ContactFollow.objects.count() == 6
