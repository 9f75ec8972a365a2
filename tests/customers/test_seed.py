"""The demo seed: `small=True` gives tests about 200 customers with the full demo's shapes."""

from __future__ import annotations

import pytest

from rm_portal.customers import seed as customers_seed
from rm_portal.customers.models import Customer, CustomerTag, IndicatorDefinition, Segment, TagDefinition
from rm_portal.org import seed as org_seed

pytestmark = pytest.mark.django_db


def test_small_seed_has_every_definition_about_200_customers_and_is_idempotent():
    quiet = lambda *_: None  # noqa: E731
    org_seed.seed(password="seed-password-1", log=quiet)
    customers_seed.seed(password="seed-password-1", log=quiet, small=True)
    assert IndicatorDefinition.objects.count() == 448
    assert TagDefinition.objects.count() == len(customers_seed.TAGS)
    assert Segment.objects.count() == len(customers_seed.SEGMENTS)
    assert 180 <= Customer.objects.count() <= 220
    assert set(Customer.objects.exclude(owner=None).values_list("owner__username", flat=True)) == {
        "rm01a",
        "rm01b",
        "rm02a",
    }
    assert Customer.objects.filter(owner=None).exists()  # the leads' queue of unowned customers
    assert CustomerTag.objects.filter(tag__code="hnw").exists()
    # A second run finds everyone in place and changes nothing.
    first = Customer.objects.order_by("cust_no").values_list("cust_no", "name", "owner__username").first()
    before = Customer.objects.count()
    customers_seed.seed(password="seed-password-1", log=quiet, small=True)
    assert Customer.objects.count() == before
    assert (
        Customer.objects.order_by("cust_no").values_list("cust_no", "name", "owner__username").first()
        == first
    )
