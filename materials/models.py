"""The marketing kit: materials head office publishes, the links RMs share, the views they earn."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rm_portal.customers.models import Customer
from rm_portal.org.models import Branch


class Kind(models.TextChoices):
    SCRIPT = "script", _("话术")
    PRODUCT = "product", _("产品资料")
    NEWS = "news", _("资讯")
    POSTER = "poster", _("海报模板")


class RiskLevel(models.TextChoices):
    R1 = "R1", _("R1 低风险")
    R2 = "R2", _("R2 中低风险")
    R3 = "R3", _("R3 中风险")
    R4 = "R4", _("R4 中高风险")
    R5 = "R5", _("R5 高风险")


class MarketingCategory(models.TextChoices):
    # The keys of Customer.consents: a customer consents to marketing per category.
    WEALTH = "wealth", _("理财")
    FUND = "fund", _("基金")
    INSURANCE = "insurance", _("保险")
    DEPOSIT = "deposit", _("存款")
    LOAN = "loan", _("贷款")


class PublishState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SCHEDULED = "scheduled", _("待发布")
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已下架")


class Material(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    # Plain text with placeholders such as {customer_name}; see materials.placeholders.
    body = models.TextField(_("正文"), blank=True)
    category = models.CharField(_("分类"), max_length=64, blank=True)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    product_url = models.URLField(_("产品链接"), blank=True)
    risk_level = models.CharField(_("产品风险等级"), max_length=2, choices=RiskLevel.choices, blank=True)
    marketing_category = models.CharField(
        _("营销类别"), max_length=16, choices=MarketingCategory.choices, blank=True
    )
    publish_from = models.DateTimeField(_("发布时间"), null=True, blank=True)
    publish_until = models.DateTimeField(_("下架时间"), null=True, blank=True)
    # Empty: every branch.
    branches = models.ManyToManyField(Branch, blank=True, related_name="+", verbose_name=_("适用网点"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    # Head office may let an RM share a product past the suitability/consent gate with a reason.
    allow_override = models.BooleanField(_("允许说明理由后越过适当性校验"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("创建人")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-publish_from", "-id"]
        indexes = [models.Index(fields=["kind", "publish_from"])]
        verbose_name = _("营销物料")
        verbose_name_plural = _("营销物料")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"

    def state_at(self, now: datetime) -> PublishState:
        """Where the material stands for the RMs: no `publish_from` is a draft nobody but head
        office sees; a future one is scheduled; a past `publish_until` is withdrawn."""
        if self.publish_from is None:
            return PublishState.DRAFT
        if self.publish_until is not None and self.publish_until <= now:
            return PublishState.WITHDRAWN
        if self.publish_from > now:
            return PublishState.SCHEDULED
        return PublishState.PUBLISHED


class Attachment(models.Model):
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="materials/attachments/%Y/%m/", max_length=200)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class PosterLayout(models.Model):
    """Where the QR code and the RM's details go on a poster template's background."""

    material = models.OneToOneField(Material, on_delete=models.CASCADE, related_name="layout")
    background = models.FileField(_("背景图"), upload_to="materials/posters/", max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    qr_x = models.PositiveIntegerField()
    qr_y = models.PositiveIntegerField()
    qr_size = models.PositiveIntegerField()
    # {"name": {"x", "y", "size", "color"}, "title": …, "branch": …, "phone": …}; a missing slot is not drawn.
    slots = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("海报版式")
        verbose_name_plural = _("海报版式")

    def __str__(self) -> str:
        return f"layout of {self.material_id}"


class ShareToken(models.Model):
    class Channel(models.TextChoices):
        SHARE = "share", _("转发")
        POSTER = "poster", _("海报")

    # secrets.token_urlsafe(24): 192 random bits, unguessable.
    token = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SHARE)
    rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="share_tokens")
    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="shares")
    customer = models.ForeignKey(
        Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="material_shares"
    )
    rule = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["rm", "material"])]
        constraints = [
            # One poster link per RM and template, so the cached poster's QR stays valid.
            models.UniqueConstraint(
                fields=["rm", "material"], condition=Q(channel="poster"), name="one_poster_token_per_rm"
            )
        ]
        verbose_name = _("转发链接")
        verbose_name_plural = _("转发链接")

    def __str__(self) -> str:
        return f"{self.rm_id}/{self.material_id}/{self.channel}"


class ViewEvent(models.Model):
    token = models.ForeignKey(ShareToken, on_delete=models.CASCADE, related_name="views")
    # HMAC-SHA256 of the address (IPv6: its /64) keyed from SECRET_KEY (services/landing.py): counts
    # a visitor, never stores the IP. Not the user agent: a visitor rotates that at will.
    visitor = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["token", "visitor", "at"])]
        verbose_name = _("浏览记录")
        verbose_name_plural = _("浏览记录")

    def __str__(self) -> str:
        return f"{self.token_id} {self.at:%Y-%m-%d %H:%M}"


class OverrideLog(models.Model):
    """An RM shared a product past the suitability or consent gate; compliance reviews these."""

    share = models.OneToOneField(ShareToken, on_delete=models.PROTECT, related_name="override")
    rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    material = models.ForeignKey(Material, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    rules = models.JSONField(default=list)  # the rules overridden, e.g. ["suitability", "consent"]
    reasons = models.JSONField(default=list)  # the refusal texts the RM overrode
    reason = models.TextField(_("越权理由"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("适当性越权记录")
        verbose_name_plural = _("适当性越权记录")

    def __str__(self) -> str:
        return f"{self.rm_id} {self.material_id} {self.customer_id}"
