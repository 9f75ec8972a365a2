"""The customer core shared by every app: who the customer is, who owns them, what happened.

The wide indicator table, tags, segments and holdings arrive with the portraits issue;
other apps (materials, compliance, opportunities) point at `Customer` and write to the
timeline through `customers.services.timeline_record`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rm_portal.org.models import Branch


class RiskRating(models.TextChoices):
    C1 = "C1", _("C1 保守型")
    C2 = "C2", _("C2 稳健型")
    C3 = "C3", _("C3 平衡型")
    C4 = "C4", _("C4 成长型")
    C5 = "C5", _("C5 进取型")


class Customer(models.Model):
    cust_no = models.CharField(_("客户号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    id_number = models.CharField(_("证件号"), max_length=32, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="customers", verbose_name=_("网点")
    )
    # The owning RM. Empty for a customer nobody manages yet: their work goes to the branch lead.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("管户客户经理"),
    )
    risk_rating = models.CharField(_("风险评级"), max_length=2, choices=RiskRating.choices, blank=True)
    # {"wealth": true, "loan": false, ...}: marketing consent per category.
    consents = models.JSONField(_("营销授权"), default=dict, blank=True)
    aum = models.DecimalField(_("资产规模"), max_digits=16, decimal_places=2, default=0)
    wechat_external_id = models.CharField(_("企业微信外部联系人"), max_length=64, blank=True, db_index=True)
    opened_on = models.DateField(_("开户日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cust_no"]
        indexes = [models.Index(fields=["owner", "cust_no"]), models.Index(fields=["branch", "cust_no"])]
        verbose_name = _("客户")
        verbose_name_plural = _("客户")

    def __str__(self) -> str:
        return f"{self.cust_no} {self.name}"


class TimelineEvent(models.Model):
    """Every touch with a customer, from any app: opportunities, shares, messages, notes."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(_("类型"), max_length=32)
    title = models.CharField(_("标题"), max_length=200)
    detail = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # "app_label.model:pk" of the object that caused the event, for a link back.
    ref = models.CharField(max_length=80, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["customer", "-occurred_at"])]
        verbose_name = _("客户动态")
        verbose_name_plural = _("客户动态")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.title}"
