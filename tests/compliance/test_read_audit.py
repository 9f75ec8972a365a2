"""Every read of archived message content — API and pages — leaves an audit row naming who, what
and when: searches and exports, and also the alert list, one alert, and a conversation."""

from __future__ import annotations

import pytest
from django.utils import timezone

from compliance.models import Alert, Conversation, SearchAudit
from compliance.services.ingestion import messages_ingest
from tests.compliance.factories import demo_terms, item

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(rm01a):
    demo_terms()
    batch = [item("rm01a", "你好"), item("rm01a", "保证收益"), item("rm01a", "再见")]
    messages_ingest(items=batch, by=rm01a, gateway=True)
    return Alert.objects.get()


def rows() -> list[tuple[str, str, dict, int]]:
    return [
        (a.user.username, a.action, a.filters, a.result_count) for a in SearchAudit.objects.order_by("pk")
    ]


def test_the_alert_list_api_is_audited_with_its_filters(api, flagged, compliance):
    before = timezone.now()
    r = api(compliance).get("/api/v1/compliance/alerts/", {"status": "open", "severity": "block"})
    assert r.status_code == 200 and r.json()["results"][0]["message"]["content"] == "保证收益"
    assert rows() == [("compliance", "alerts", {"status": "open", "severity": "block"}, 1)]
    assert SearchAudit.objects.get().at >= before  # when


def test_a_resolution_answer_shows_the_message_and_is_audited(api, flagged, compliance):
    url = f"/api/v1/compliance/alerts/{flagged.pk}/resolve/"
    assert api(compliance).post(url, {"status": "confirmed"}, format="json").status_code == 200
    assert rows() == [("compliance", "alert", {"alert": flagged.pk}, 1)]


def test_the_alert_pages_are_audited(client, flagged, compliance):
    client.force_login(compliance)
    assert client.get("/compliance/alerts/").status_code == 200
    assert client.get(f"/compliance/alerts/{flagged.pk}/").status_code == 200
    assert rows() == [
        ("compliance", "alerts", {"status": "open"}, 1),
        ("compliance", "alert", {"alert": flagged.pk}, 3),  # the message and its context
    ]


def test_a_conversation_page_is_audited_for_every_role(client, flagged, rm01a, lead01, compliance):
    conversation = Conversation.objects.get()
    url = f"/compliance/conversations/{conversation.pk}/"
    for user in (rm01a, lead01, compliance):
        client.force_login(user)
        assert client.get(url).status_code == 200
    client.force_login(compliance)
    assert client.get(url, {"focus": flagged.message_id}).status_code == 200
    assert rows() == [
        ("rm01a", "conversation", {"conversation": conversation.pk}, 3),
        ("lead01", "conversation", {"conversation": conversation.pk}, 3),
        ("compliance", "conversation", {"conversation": conversation.pk}, 3),
        ("compliance", "conversation", {"conversation": conversation.pk, "focus": flagged.message_id}, 3),
    ]


def test_refused_reads_show_nothing_and_leave_no_row(client, api, flagged, rm02a, rm01a):
    client.force_login(rm02a)  # another branch's RM: the conversation is not theirs
    assert client.get(f"/compliance/conversations/{Conversation.objects.get().pk}/").status_code == 404
    client.force_login(rm01a)
    assert client.get(f"/compliance/alerts/{flagged.pk}/").status_code == 403
    assert api(rm01a).get("/api/v1/compliance/alerts/").status_code == 403
    assert rows() == []


def test_the_audit_log_names_the_reads(api, flagged, compliance):
    client = api(compliance)
    client.get("/api/v1/compliance/alerts/")
    entry = client.get("/api/v1/compliance/audit/").json()["results"][0]
    assert (entry["user"]["username"], entry["action"], entry["filters"]) == ("compliance", "alerts", {})
