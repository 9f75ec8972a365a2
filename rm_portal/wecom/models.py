from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackEvent(models.Model):
    """One event WeCom pushed to /wecom/callback/, decrypted, as it arrived.

    `key` is stable across WeCom's redeliveries of the same event (it retries an unanswered push),
    so the same event twice is one row and is handled once."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("待处理")
        HANDLED = "handled", _("已处理")
        IGNORED = "ignored", _("已忽略")  # no handler for this event type
        FAILED = "failed", _("处理失败")  # the last attempt failed; `error` says why

    key = models.CharField(_("事件标识"), max_length=80, unique=True)
    event = models.CharField(_("事件"), max_length=64, blank=True)  # Event, or MsgType for a message
    change_type = models.CharField(_("变更类型"), max_length=64, blank=True)
    fields = models.JSONField(_("内容"), default=dict)
    xml = models.TextField(_("原文"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("企业微信回调事件")
        verbose_name_plural = _("企业微信回调事件")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event}/{self.change_type}" if self.change_type else self.event


class ContactWay(models.Model):
    """A 联系我 code made with WeCom's `add_contact_way`: the RM's own (material empty) for now.

    `state` comes back on every add made through the code, so it is the attribution; it is random
    (not derived from the username), so nobody can forge an add into someone else's count."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contact_ways",
        verbose_name=_("客户经理"),
    )
    config_id = models.CharField(_("配置 ID"), max_length=64, unique=True)
    qr_code = models.URLField(_("二维码地址"), max_length=500)
    state = models.CharField(_("渠道参数"), max_length=30, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联系我二维码")
        verbose_name_plural = _("联系我二维码")
        # One personal code per RM: made once, then reused.
        constraints = [models.UniqueConstraint(fields=["owner"], name="wecom_one_personal_contact_way")]

    def __str__(self) -> str:
        return f"{self.owner.username}: {self.config_id}"
