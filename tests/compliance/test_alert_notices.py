"""Notices of alerts: a batch with many block alerts tells each branch lead once, with the count;
officers get the first few one by one and then one summary."""

from __future__ import annotations

import pytest

from compliance.models import Alert
from compliance.services.ingestion import messages_ingest
from rm_portal.notifications.models import Notification
from tests.compliance.factories import demo_terms, item

pytestmark = pytest.mark.django_db


def test_fifty_block_alerts_send_one_notice_to_the_lead_with_the_count(rm01a, rm01b, lead01, compliance):
    demo_terms()
    batch = [item("rm01a" if n % 2 else "rm01b", f"保证收益 {n}") for n in range(50)]
    messages_ingest(items=batch, by=compliance, gateway=True)
    assert Alert.objects.count() == 50
    notices = list(Notification.objects.filter(recipient=lead01))
    assert len(notices) == 1
    assert "50" in notices[0].title
    assert "陈静 25 条" in notices[0].body and "张晓明 25 条" in notices[0].body
    assert "保证收益" in notices[0].body
    # the officers: the first five one by one, then one summary of the rest
    assert Notification.objects.filter(recipient=compliance).count() == 6


def test_each_lead_is_told_of_their_own_branch_only(rm01a, rm02a, lead01, lead02, compliance):
    demo_terms()
    batch = [
        item("rm01a", "私下转账"),
        item("rm02a", "保证收益"),
        item("rm02a", "私下转账"),
        item("rm02a", "加微信"),
    ]
    messages_ingest(items=batch, by=compliance, gateway=True)
    lead01_notices = list(Notification.objects.filter(recipient=lead01))
    lead02_notices = list(Notification.objects.filter(recipient=lead02))
    assert len(lead01_notices) == len(lead02_notices) == 1
    assert "私下转账" in lead01_notices[0].title  # one alert: the terms, as before
    assert "2" in lead02_notices[0].title  # two block alerts (the warn one is not the lead's)
    assert "刘洋 2 条" in lead02_notices[0].body


def test_the_lead_is_told_once_per_batch(rm01a, lead01, compliance):
    demo_terms()
    messages_ingest(items=[item("rm01a", "保证收益")], by=compliance, gateway=True)
    messages_ingest(items=[item("rm01a", "私下转账")], by=compliance, gateway=True)
    assert Notification.objects.filter(recipient=lead01).count() == 2


def test_a_message_with_many_terms_still_fits_the_notice_title(rm01a, lead01, compliance):
    from compliance.services.lexicon import terms_seed

    terms = [f"违规话术{n:03d}" for n in range(60)]
    terms_seed(specs=[(t, "测试", "block", [], "") for t in terms])
    messages_ingest(items=[item("rm01a", "，".join(terms))], by=compliance, gateway=True)
    notice = Notification.objects.get(recipient=lead01)
    assert notice.title.startswith("合规预警：违规话术000") and len(notice.title) <= 200
