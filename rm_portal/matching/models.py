"""Matching (匹配, docs/product.md §7): head office's explainable signals, and what was shown to whom.

A recommendation is a published material (a product, a script, a news item or poster) scored by
the signals that fire for the customer and speak for that material; its reasons are those
signals in plain words. Nothing is learned: head office sets what counts and how much."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rm_portal.customers.models import Customer, HoldingType, TagDefinition


class RecommendationKind(models.TextChoices):
    PRODUCT = "product", _("产品")
    SCRIPT = "script", _("话术")
    MATERIAL = "material", _("资料")  # news and posters


class SignalKind(models.TextChoices):
    MATURITY = "maturity", _("产品临近到期")
    IDLE_BALANCE = "idle_balance", _("活期余额闲置")
    TAG = "tag", _("客户标签")
    HOLDINGS_GAP = "holdings_gap", _("持仓缺口（未持有某类产品）")


class Signal(models.Model):
    """One rule head office configures: when it fires for a customer, and which materials it
    speaks for (by marketing category and/or a word among the material's tags or category)."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("信号类型"), max_length=16, choices=SignalKind.choices)
    # tag: the tag the customer must have.
    tag = models.ForeignKey(
        TagDefinition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("标签"),
    )
    # maturity: which holdings (empty = any type); holdings_gap: the type the customer does not hold.
    holding_type = models.CharField(_("产品类型"), max_length=16, choices=HoldingType.choices, blank=True)
    days = models.PositiveSmallIntegerField(_("到期天数内"), default=7)
    amount = models.DecimalField(_("活期余额不低于（元）"), max_digits=16, decimal_places=2, default=0)
    match_category = models.CharField(_("适用营销类别"), max_length=16, blank=True)
    match_word = models.CharField(_("适用物料标签或分类"), max_length=64, blank=True)
    weight = models.PositiveSmallIntegerField(_("权重"), default=10)
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-weight", "code"]
        verbose_name = _("匹配信号")
        verbose_name_plural = _("匹配信号")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Shown(models.Model):
    """A material recommended for a customer on a day: one row per customer, material and day
    (a second view that day adds nothing), written with one INSERT per portrait. Shared and
    converted are read from what happened after (share links, opportunities, holdings)."""

    day = models.DateField()
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    material = models.ForeignKey("materials.Material", on_delete=models.CASCADE, related_name="+")
    # Whether the customer already held the product (a reinvestment): then a holding does not convert.
    held = models.BooleanField(default=False)
    score = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "material", "day"], name="shown_once_a_day")
        ]
        indexes = [models.Index(fields=["material", "day"])]
        verbose_name = _("推荐展示")
        verbose_name_plural = _("推荐展示")

    def __str__(self) -> str:
        return f"{self.day} {self.customer_id} {self.material_id}"
