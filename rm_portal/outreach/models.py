"""Mass outreach (群发): one task, its recipients (with the excluded ones and why), and the chunks
handed to WeCom's add_msg_template, one per sender and up to OUTREACH_CHUNK_SIZE contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OutreachTask(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_APPROVAL = "pending_approval", _("待合规审批")
        APPROVED = "approved", _("可发送")
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已提交")
        PARTLY = "partly", _("部分提交")
        FAILED = "failed", _("提交失败")

    class Selection(models.TextChoices):
        SEGMENT = "segment", _("客群")
        TAGS = "tags", _("标签")
        OWN = "own", _("本人企业微信客户")

    name = models.CharField(_("名称"), max_length=64)
    text = models.TextField(_("文本"))
    material = models.ForeignKey(
        "materials.Material", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    category = models.CharField(_("营销类别"), max_length=16)  # the consent flag the recipients need
    selection = models.CharField(_("对象"), max_length=8, choices=Selection.choices)
    segment = models.ForeignKey(
        "customers.Segment", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    tags = models.JSONField(_("标签"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="outreach_tasks"
    )
    # The creator's branch (a lead's or an RM's), or empty for head office: what scope() reads.
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cross_branch = models.BooleanField(_("跨网点"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    recipients = models.PositiveIntegerField(_("接收人数"), default=0)
    excluded = models.JSONField(_("排除"), default=dict)  # {reason: count}
    hits = models.JSONField(_("提示词"), default=list, blank=True)  # warn-level hits kept with the task
    link_base = models.CharField(max_length=200, blank=True)  # the site the material links point to
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)  # every chunk handed to WeCom (or given up)
    poll_until = models.DateTimeField(null=True, blank=True)  # WeCom's results are asked for 3 days
    polled_at = models.DateTimeField(null=True, blank=True)
    results_final_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        verbose_name = _("群发任务")
        verbose_name_plural = _("群发任务")

    def __str__(self) -> str:
        return self.name


class OutreachChunk(models.Model):
    """One add_msg_template call: a sender and up to OUTREACH_CHUNK_SIZE of their contacts. Its msgid
    is stored before the next chunk is sent, and a chunk with a msgid is never sent again."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("待提交")
        SENDING = "sending", _("提交中")
        HANDED = "handed", _("已提交企业微信")
        FAILED = "failed", _("提交失败")

    task = models.ForeignKey(OutreachTask, on_delete=models.CASCADE, related_name="chunks")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sender_userid = models.CharField(max_length=64)
    seq = models.PositiveIntegerField()
    external_userids = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    msgid = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    handed_at = models.DateTimeField(null=True, blank=True)
    results_final = models.BooleanField(default=False)
    polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "seq"]
        constraints = [models.UniqueConstraint(fields=["task", "seq"], name="outreach_chunk_seq_once")]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["results_final", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.seq}"


class OutreachRecipient(models.Model):
    class Status(models.TextChoices):
        EXCLUDED = "excluded", _("已排除")
        QUEUED = "queued", _("待提交")
        PENDING = "pending", _("待客户经理确认")
        SENT = "sent", _("已送达")
        NOT_FRIEND = "not_friend", _("已不是好友")
        ALREADY_RECEIVED = "already_received", _("当日已收到群发")
        FAILED = "failed", _("提交失败")

    class Reason(models.TextChoices):
        NO_CONSENT = "no_consent", _("未授权营销")
        FREQUENCY_CAP = "frequency_cap", _("超过每周触达上限")
        UNSUITABLE = "unsuitable", _("产品风险高于客户评级")
        NOT_CONTACT = "not_contact", _("不是发送人的企业微信客户")

    task = models.ForeignKey(OutreachTask, on_delete=models.CASCADE, related_name="recipient_rows")
    # No database constraint: rows are written only by outreach_create, from customers it just read,
    # and 200,000 deferred per-row checks at COMMIT were most of a segment's create (docs/decisions.md).
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    external_userid = models.CharField(max_length=64, blank=True)
    chunk = models.ForeignKey(
        OutreachChunk, on_delete=models.SET_NULL, null=True, blank=True, related_name="rows"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    # When the message was handed to WeCom for this customer: what the weekly cap counts.
    handed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "handed_at"]),
            models.Index(fields=["chunk", "external_userid"]),
            models.Index(fields=["task", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.customer_id}"
