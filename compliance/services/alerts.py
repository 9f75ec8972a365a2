"""Alerts from archived messages with hits, and their dispositions."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from compliance.matching import Hit
from compliance.matching.lexicon import SEVERITY_RANK
from compliance.models import Alert, AlertDisposition, AlertStatus, Message, Severity
from rm_portal.core.errors import Invalid
from rm_portal.notifications.services import notify
from rm_portal.org.models import Role, Staff


def _officers() -> list[User]:
    return [s.user for s in Staff.objects.select_related("user").filter(role=Role.COMPLIANCE, active=True)]


def _leads(branch_id: int) -> list[User]:
    return [
        s.user
        for s in Staff.objects.select_related("user").filter(
            role=Role.BRANCH_LEAD, branch_id=branch_id, active=True
        )
    ]


# Officers get one notification per alert up to this many per batch, then one summary.
NOTIFY_EACH = 5


def alerts_create_for(*, flagged: list[tuple[Message, list[Hit]]]) -> list[Alert]:
    """One alert per message, listing its hits; officers are told, and the branch lead for a block."""
    alerts = []
    for message, hits in flagged:
        conversation = message.conversation
        worst = max(hits, key=lambda h: SEVERITY_RANK.get(h.severity, 0))
        categories = sorted({h.category for h in hits})
        alerts.append(
            Alert(
                message=message,
                rm_id=conversation.rm_id,
                branch_id=conversation.branch_id,
                hits=[h.as_dict() for h in hits],
                severity=worst.severity,
                categories="," + ",".join(categories) + ",",
            )
        )
    alerts = Alert.objects.bulk_create(alerts)
    officers = _officers()
    leads: dict[int, list[User]] = {}
    for number, (alert, (message, hits)) in enumerate(zip(alerts, flagged, strict=True)):
        terms = "、".join(dict.fromkeys(h.term for h in hits))
        title = f"合规预警：{terms}"
        body = message.content[:120]
        if number < NOTIFY_EACH:
            link = reverse("compliance:alert", args=[alert.pk]) if alert.pk else ""
            notify(recipients=officers, kind="compliance_alert", title=title, body=body, link=link)
        if alert.severity == Severity.BLOCK:
            if alert.branch_id not in leads:
                leads[alert.branch_id] = _leads(alert.branch_id)
            notify(recipients=leads[alert.branch_id], kind="compliance_alert", title=title, body=body)
    if len(alerts) > NOTIFY_EACH:
        notify(
            recipients=officers,
            kind="compliance_alert",
            title=f"另有 {len(alerts) - NOTIFY_EACH} 条合规预警待处理",
            link=reverse("compliance:alerts"),
        )
    return alerts


@transaction.atomic
def alert_resolve(*, alert: Alert, status: str, note: str, by: User) -> Alert:
    if status not in (AlertStatus.FALSE_POSITIVE, AlertStatus.CONFIRMED, AlertStatus.ESCALATED):
        raise Invalid(fields={"status": _("无效的处置结果")})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    AlertDisposition.objects.create(alert=alert, status=status, note=note, by=by)
    Alert.objects.filter(pk=alert.pk).update(status=status)
    alert.status = status
    return alert
