"""Alerts from archived messages with hits, and their dispositions."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

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


def _leads(branch_ids: Iterable[int]) -> dict[int, list[User]]:
    leads: dict[int, list[User]] = defaultdict(list)
    for staff in Staff.objects.select_related("user").filter(
        role=Role.BRANCH_LEAD, branch_id__in=branch_ids, active=True
    ):
        leads[staff.branch_id].append(staff.user)
    return leads


# Officers get one notification per alert up to this many per batch, then one summary.
NOTIFY_EACH = 5
TITLE_MAX = 200  # Notification.title


def _title(hits: Iterable[Hit]) -> str:
    terms = "、".join(dict.fromkeys(h.term for h in hits))
    return (_("合规预警：") + terms)[:TITLE_MAX]


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
    blocks: dict[int, list[tuple[Alert, Message, list[Hit]]]] = defaultdict(list)
    for number, (alert, (message, hits)) in enumerate(zip(alerts, flagged, strict=True)):
        if number < NOTIFY_EACH:
            link = reverse("compliance:alert", args=[alert.pk]) if alert.pk else ""
            notify(
                recipients=officers,
                kind="compliance_alert",
                title=_title(hits),
                body=message.content[:120],
                link=link,
            )
        if alert.severity == Severity.BLOCK:
            blocks[alert.branch_id].append((alert, message, hits))
    if len(alerts) > NOTIFY_EACH:
        notify(
            recipients=officers,
            kind="compliance_alert",
            title=_("另有 %(count)d 条合规预警待处理") % {"count": len(alerts) - NOTIFY_EACH},
            link=reverse("compliance:alerts"),
        )
    if blocks:
        _leads_tell(blocks)
    return alerts


def _leads_tell(blocks: dict[int, list[tuple[Alert, Message, list[Hit]]]]) -> None:
    """One notice per branch lead per batch, however many block alerts it holds: the alert's terms
    and message when it is one, the count by RM and the terms when it is several (50 alerts in a
    batch were 50 notices)."""
    leads = _leads(blocks.keys())
    rm_ids = {alert.rm_id for group in blocks.values() for alert, _message, _hits in group}
    names = dict(Staff.objects.filter(user_id__in=rm_ids).values_list("user_id", "name"))
    for branch_id, group in blocks.items():
        recipients = leads.get(branch_id, [])
        if not recipients:
            continue
        if len(group) == 1:
            _alert, message, hits = group[0]
            notify(
                recipients=recipients, kind="compliance_alert", title=_title(hits), body=message.content[:120]
            )
            continue
        per_rm = Counter(names.get(alert.rm_id, "") for alert, _message, _hits in group)
        terms = "、".join(
            dict.fromkeys(
                h.term for _alert, _message, hits in group for h in hits if h.severity == Severity.BLOCK
            )
        )
        body = _("%(people)s。涉及：%(terms)s") % {
            "people": "；".join(
                _("%(name)s %(count)d 条") % {"name": name, "count": count}
                for name, count in per_rm.most_common()
            ),
            "terms": terms,
        }
        notify(
            recipients=recipients,
            kind="compliance_alert",
            title=_("合规预警：%(count)d 条拦截级消息") % {"count": len(group)},
            body=body,
        )


@transaction.atomic
def alert_resolve(*, alert: Alert, status: str, note: str, by: User) -> Alert:
    if status not in (AlertStatus.FALSE_POSITIVE, AlertStatus.CONFIRMED, AlertStatus.ESCALATED):
        raise Invalid(fields={"status": _("无效的处置结果")})
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    AlertDisposition.objects.create(alert=alert, status=status, note=note, by=by)
    Alert.objects.filter(pk=alert.pk).update(status=status)
    alert.status = status
    return alert
