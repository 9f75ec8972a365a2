from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from rm_portal.customers.models import Customer
from rm_portal.matching.models import Signal
from rm_portal.matching.seed import SIGNALS
from rm_portal.matching.selectors import recommendations_for

pytestmark = pytest.mark.django_db


def test_the_demo_has_signals_once_and_its_rms_get_recommendations():
    call_command("seed_demo", "--password", "demo-pass-123", "--small")
    assert Signal.objects.count() == len(SIGNALS)
    rm = User.objects.get(username="rm01a")
    mine = Customer.objects.filter(owner=rm).exclude(risk_rating="")[:40]
    lists = [recommendations_for(rm, c) for c in mine]
    assert sum(1 for items in lists if items) >= 15  # about half: the rest have no signal firing
    assert any(r.kind == "product" for items in lists for r in items)
    assert not Customer.objects.exclude(phone="").filter(phone_tail="").exists()
    call_command("seed_demo", "--password", "demo-pass-123", "--small")
    assert Signal.objects.count() == len(SIGNALS)
