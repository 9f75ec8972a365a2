from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=64)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient", "read_at"]),
        ]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.title


class Delivery(models.Model):
    """One attempt to push a notification through an outside channel (WeCom), kept as evidence.

    A failed attempt that may succeed later (the network, WeCom busy) is `retry` and is followed by
    attempt n+1 after a back-off; the last allowed attempt, or a refusal that no retry can mend, is
    `failed`. `sent`, `recorded`, `skipped` and `failed` end the notification's tries on the channel.
    An attempt is `sending` from its claim until the channel answers; one left `sending` had its
    worker die mid-send, and the sweeper follows it with the next attempt.
    """

    class Status(models.TextChoices):
        SENDING = "sending", _("发送中")
        SENT = "sent", _("已发送")
        RECORDED = "recorded", _("未配置，仅记录")
        RETRY = "retry", _("发送失败，将重试")
        FAILED = "failed", _("发送失败")
        SKIPPED = "skipped", _("无接收账号")

    FINAL = frozenset({Status.SENT, Status.RECORDED, Status.FAILED, Status.SKIPPED})

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=32)
    attempt = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices)
    payload = models.JSONField(default=dict)
    response = models.TextField(blank=True)
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notification", "channel", "attempt"]
        constraints = [
            # Two workers on the same attempt: the second insert fails, and it sends nothing more.
            models.UniqueConstraint(
                fields=["notification", "channel", "attempt"], name="one_delivery_per_attempt"
            )
        ]
        verbose_name = _("外部推送")
        verbose_name_plural = _("外部推送")

    def __str__(self) -> str:
        return f"{self.channel}#{self.attempt}:{self.status}"
