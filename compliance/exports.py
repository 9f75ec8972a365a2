"""The archive export as CSV, for the API and the search page alike: one header, one format.

Written for the person who opens it in Excel: Chinese column names, display labels for the
codes, and every time in the bank's zone with its offset (2026-12-02 09:30:00+08:00), so a time
read in Beijing and one read by an auditor abroad name the same instant."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.models import Message, SearchAudit
from compliance.selectors import SearchFilters, message_search
from compliance.services.audit import search_audit_create
from compliance.services.checkpoints import checkpoint_write
from rm_portal.core.csv_export import csv_lines


def export_header() -> list[str]:
    return [
        _("编号"), _("发送时间"), _("渠道"), _("客户经理"), _("客户经理账号"), _("客户号"),
        _("联系人"), _("方向"), _("内容"), _("命中敏感词"), _("哈希"), _("来源"),
    ]  # fmt: skip


def bank_time(moment: datetime) -> str:
    """2026-12-02 09:30:00+08:00: the bank's wall clock, and its offset from UTC."""
    return timezone.localtime(moment).isoformat(sep=" ", timespec="seconds")


def _rows(messages: Iterator[Message]) -> Iterator[list[object]]:
    for m in messages:
        alert = getattr(m, "alert", None)
        customer = m.conversation.customer
        rm = m.conversation.rm
        staff = getattr(rm, "staff", None)
        yield [
            m.pk,
            bank_time(m.sent_at),
            m.get_channel_display(),
            staff.name if staff else "",
            rm.username,
            customer.cust_no if customer else "",
            m.conversation.contact,
            m.get_direction_display(),
            m.content,
            "；".join(h["term"] for h in alert.hits) if alert else "",
            m.hash,
            m.get_source_display(),
        ]


def messages_csv(*, user: User, filters: SearchFilters) -> StreamingHttpResponse:
    """Every message of the search the user may see, streamed; the export is written to the audit
    log (with its row count) before the first byte goes out."""
    qs = message_search(user=user, filters=filters)
    # What was handed out can be proven unchanged later: the archive is anchored at every export.
    checkpoint_write(reason="export")
    with transaction.atomic():
        count = qs.count()
        search_audit_create(
            user=user, action=SearchAudit.Action.EXPORT, filters=filters.as_dict(), result_count=count
        )
    response = StreamingHttpResponse(
        csv_lines(export_header(), _rows(qs.iterator(chunk_size=500))), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="compliance-export-{stamp}.csv"'
    response["X-Retention-Years"] = str(settings.COMPLIANCE_RETENTION_YEARS)
    return response
