"""The compliance archive, lexicon, alerts and the search audit log.

Archive rows (Message) and audit rows (SearchAudit) are evidence for regulators: the ORM
refuses to update or delete them, there is no API or admin path that edits them, and on
PostgreSQL a trigger rejects UPDATE and DELETE (migration 0002).
"""

from __future__ import annotations

from typing import Any, NoReturn, TypeVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rm_portal.customers.models import Customer
from rm_portal.org.models import Branch

_M = TypeVar("_M", bound=models.Model)


class AppendOnlyError(Exception):
    """Raised by any attempt to change or remove an archived row."""


class AppendOnlyQuerySet(models.QuerySet[_M]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")

    def _raw_delete(self, using: Any) -> NoReturn:
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Archive rows are evidence for regulators: never edit, never soft-delete.
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")


class Severity(models.TextChoices):
    BLOCK = "block", _("拦截")
    WARN = "warn", _("提醒")
    RECORD = "record", _("记录")


class Term(models.Model):
    term = models.CharField(_("敏感词"), max_length=64, unique=True)
    category = models.CharField(_("类别"), max_length=32, db_index=True)
    severity = models.CharField(_("级别"), max_length=8, choices=Severity.choices)
    allow = models.JSONField(_("豁免短语"), default=list, blank=True)
    suggestion = models.CharField(_("建议话术"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "term"]
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")

    def __str__(self) -> str:
        return self.term


class LexiconVersion(models.Model):
    """One row: bumped on every lexicon change; each process rebuilds its automaton when it moves."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("词库版本")
        verbose_name_plural = _("词库版本")

    def __str__(self) -> str:
        return f"lexicon v{self.version}"


class DetectorKind(models.TextChoices):
    MOBILE = "mobile", _("手机号码")
    LANDLINE = "landline", _("固定电话")
    CONTACT_ID = "contact_id", _("微信/QQ号")
    EMAIL = "email", _("电子邮箱")
    URL = "url", _("外部链接")
    BANK_CARD = "bank_card", _("银行卡号")
    ID_NUMBER = "id_number", _("身份证号")


class DetectorSetting(models.Model):
    """An officer's setting for one built-in detector (compliance/matching/detectors.py). A kind
    with no row runs with its default (on, the default severity); a change bumps the lexicon
    version, so every process picks it up as it does a term edit."""

    kind = models.CharField(_("类型"), max_length=16, choices=DetectorKind.choices, unique=True)
    enabled = models.BooleanField(_("启用"), default=True)
    severity = models.CharField(_("级别"), max_length=8, choices=Severity.choices)
    # url only: the bank's own domains (a subdomain is allowed with its domain)
    allow_domains = models.JSONField(_("允许的域名"), default=list, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = _("内置检测")
        verbose_name_plural = _("内置检测")

    def __str__(self) -> str:
        return self.kind


class Channel(models.TextChoices):
    WECOM = "wecom", _("企业微信")
    APP = "app", _("手机银行")
    SMS = "sms", _("短信")


class Conversation(models.Model):
    """One RM with one contact on one channel. Ownership (`rm`) moves at handover; the messages,
    which are chained and immutable, do not change. `opened_by` never changes."""

    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    contact = models.CharField(_("外部联系人"), max_length=64)
    rm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("客户经理"),
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("网点"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="conversations"
    )
    legal_hold = models.BooleanField(_("诉讼保全"), default=False)
    # Chain head: the last message's sequence number and hash, locked with select_for_update.
    last_seq = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "contact", "opened_by"], name="conversation_per_opener"
            )
        ]
        indexes = [models.Index(fields=["rm", "channel", "contact"])]
        verbose_name = _("会话")
        verbose_name_plural = _("会话")

    def __str__(self) -> str:
        return f"{self.channel}:{self.contact}"


class OwnershipChange(AppendOnlyModel):
    """Who owned a conversation when: handovers move `Conversation.rm` and leave a row here."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="ownership")
    from_rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.conversation_id}: {self.from_rm_id} → {self.to_rm_id}"


class LegalHoldChange(AppendOnlyModel):
    """Who set or lifted a conversation's legal hold, and when."""

    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="holds")
    hold = models.BooleanField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.conversation_id}: hold={self.hold}"


class ConfigChange(AppendOnlyModel):
    """The history of what decides alerts (a term, a detector), kept append-only: who changed what
    from what to what, and when. The rows edited in place (Term, DetectorSetting) are the current
    state; this is the record of how they got there."""

    class Kind(models.TextChoices):
        TERM = "term", _("敏感词")
        DETECTOR = "detector", _("内置检测")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class Direction(models.TextChoices):
    IN = "in", _("客户发送")
    OUT = "out", _("客户经理发送")


class Source(models.TextChoices):
    GATEWAY = "gateway", _("会话网关")
    RM = "rm", _("客户经理上传")


class Message(AppendOnlyModel):
    conversation = models.ForeignKey(Conversation, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices)
    external_id = models.CharField(_("外部消息号"), max_length=128)
    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    content_type = models.CharField(_("内容类型"), max_length=16, default="text")
    content = models.TextField(_("内容"))
    # The content folded and without separators: what search matches (加 微 信 → 加微信).
    normalized = models.TextField()
    sent_at = models.DateTimeField(_("发送时间"), db_index=True)
    received_at = models.DateTimeField(_("归档时间"))
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Who delivered this copy. The gateway's copy is the record; an RM's own upload of the same
    # (channel, external_id) is kept beside it, never instead of it (docs/compliance.md).
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices, default=Source.GATEWAY)
    # 1: the unkeyed SHA-256 of the first release; 2: HMAC-SHA256 over the content, the search
    # column, the attribution and the alert (services.chain). Old rows keep theirs: never rewritten.
    hash_version = models.PositiveSmallIntegerField(default=2)
    # Whether the matcher raised an alert at archive time: covered by the hash, so a deleted alert shows.
    flagged = models.BooleanField(default=False)

    class Meta:
        ordering = ["conversation_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=models.Q(source="gateway"),
                name="message_gateway_copy_once",
            ),
            models.UniqueConstraint(
                fields=["conversation", "channel", "external_id"],
                condition=models.Q(source="rm"),
                name="message_rm_copy_once_per_conversation",
            ),
            models.UniqueConstraint(fields=["conversation", "seq"], name="message_seq_per_conversation"),
        ]
        indexes = [models.Index(fields=["sent_at", "id"]), models.Index(fields=["channel", "external_id"])]
        verbose_name = _("存档消息")
        verbose_name_plural = _("存档消息")

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id}"


class AlertStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    FALSE_POSITIVE = "false_positive", _("误报")
    CONFIRMED = "confirmed", _("确认违规")
    ESCALATED = "escalated", _("已上报")


class Alert(models.Model):
    """One per archived message with hits; hits are a copy of the matcher's answer at archive time."""

    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="alert")
    rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    hits = models.JSONField(default=list)
    severity = models.CharField(_("级别"), max_length=8, choices=Severity.choices)
    # ",承诺收益,私下交易," — filterable with a plain contains on every database.
    categories = models.CharField(max_length=400)
    status = models.CharField(
        _("状态"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.OPEN, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self) -> str:
        return f"alert {self.pk}"

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split(",") if c]


class AlertDisposition(AppendOnlyModel):
    """The disposition history: every resolution is a new row, none is overwritten."""

    alert = models.ForeignKey(Alert, on_delete=models.PROTECT, related_name="dispositions")
    status = models.CharField(max_length=16, choices=AlertStatus.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.status}"


class SearchAudit(AppendOnlyModel):
    """Every search, export and read of archived content: who, what (`action` and `filters`:
    the search's filters, or the alert or conversation read), when, and how much was shown."""

    class Action(models.TextChoices):
        SEARCH = "search", _("检索")
        EXPORT = "export", _("导出")
        ALERTS = "alerts", _("查看预警列表")
        ALERT = "alert", _("查看预警")
        CONVERSATION = "conversation", _("查看会话")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    filters = models.JSONField(default=dict)
    result_count = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("检索审计")
        verbose_name_plural = _("检索审计")

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class IngestBatch(models.Model):
    """A large batch waiting for the worker; the payload stays until it is processed."""

    job = models.OneToOneField("core.Job", on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    payload = models.JSONField()
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"batch {self.pk}"
