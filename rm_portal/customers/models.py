"""The customer core shared by every app: who the customer is, who owns them, what happened.

The wide indicator table, tags, segments and holdings arrive with the portraits issue;
other apps (materials, compliance, opportunities) point at `Customer` and write to the
timeline through `customers.services.timeline_record`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rm_portal.customers.phones import phone_tail_of
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
    # The last 4 digits, kept by every writer (`phone_tail_of`: save(), the import, the seed) so the
    # picker's "last 4 digits" search is an index lookup, not a LIKE '%1234' scan of every phone.
    phone_tail = models.CharField(max_length=4, blank=True, db_index=True, editable=False)
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_tail = phone_tail_of(self.phone)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "phone" in update_fields:
            kwargs["update_fields"] = {*update_fields, "phone_tail"}
        super().save(*args, **kwargs)


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


class IndicatorGroup(models.TextChoices):
    BASIC = "basic", _("基本信息")
    HOLDING = "holding", _("持有业务")
    ACTIVITY = "activity", _("活跃度")
    EXTERNAL = "external", _("外部数据")


class IndicatorType(models.TextChoices):
    NUMBER = "number", _("数值")
    TEXT = "text", _("文本")
    FLAG = "flag", _("是否")


class IndicatorDefinition(models.Model):
    """One column of the indicator wide table (448 at the seed bank)."""

    code = models.CharField(_("指标代码"), max_length=64, unique=True)
    name = models.CharField(_("指标名称"), max_length=100)
    group = models.CharField(_("指标分组"), max_length=16, choices=IndicatorGroup.choices)
    type = models.CharField(
        _("类型"), max_length=8, choices=IndicatorType.choices, default=IndicatorType.NUMBER
    )
    unit = models.CharField(_("单位"), max_length=16, blank=True)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["group", "order", "code"]
        verbose_name = _("指标")
        verbose_name_plural = _("指标")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class IndicatorValues(models.Model):
    """The wide record: every indicator of one customer on one as-of date, as one JSON object.

    `is_latest` marks the record tag rules and the portrait read, so a rule is one scan of one
    row per customer; on PostgreSQL the JSON is JSONB with a GIN index (migration 0003).
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="indicator_records")
    as_of = models.DateField(_("数据日期"))
    values = models.JSONField(default=dict)
    is_latest = models.BooleanField(default=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["customer", "-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "as_of"], name="indicators_one_per_customer_and_day"),
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_latest=True), name="indicators_one_latest"
            ),
        ]
        indexes = [models.Index(fields=["is_latest", "customer"])]
        verbose_name = _("指标宽表记录")
        verbose_name_plural = _("指标宽表记录")

    def __str__(self) -> str:
        return f"{self.customer_id}@{self.as_of}"


class HoldingType(models.TextChoices):
    DEMAND = "demand", _("活期")
    TIME_DEPOSIT = "time_deposit", _("定期")
    WEALTH = "wealth", _("理财")
    FUND = "fund", _("基金")
    INSURANCE = "insurance", _("保险")
    LOAN = "loan", _("贷款")


class Holding(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="holdings")
    product = models.CharField(_("产品"), max_length=100)
    type = models.CharField(_("类型"), max_length=16, choices=HoldingType.choices)
    amount = models.DecimalField(_("金额"), max_digits=16, decimal_places=2)
    maturity_date = models.DateField(_("到期日"), null=True, blank=True)

    class Meta:
        ordering = ["customer", "maturity_date", "id"]
        indexes = [models.Index(fields=["type", "maturity_date"])]
        verbose_name = _("持有产品")
        verbose_name_plural = _("持有产品")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.product} {self.amount}"


class TagDefinition(models.Model):
    """A tag computed from indicators by a rule in the tag rule language (rules/, docs/customers.md)."""

    code = models.CharField(_("标签代码"), max_length=64, unique=True)
    name = models.CharField(_("标签名称"), max_length=64, unique=True)
    category = models.CharField(_("分类"), max_length=32, blank=True)
    rule = models.TextField(_("规则"))
    active = models.BooleanField(_("启用"), default=True)
    recomputed_at = models.DateTimeField(null=True, blank=True)
    # The compiled rule (references expanded) its holders were last computed with: a different
    # digest means every customer is evaluated again, an equal one only the changed customers.
    rule_digest = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "code"]
        verbose_name = _("标签")
        verbose_name_plural = _("标签")

    def __str__(self) -> str:
        return self.name


class CustomerTag(models.Model):
    # No database constraints on this derived table and on TagChange: rows are written only by the
    # recompute, from customers that exist and tags it just read, and Django still deletes them with
    # their customer or tag. The deferred per-row FK checks were most of a first fill's cost
    # (325,000 rows: 23.6 s with them, 7.0 s without; docs/decisions.md).
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="customer_tags", db_constraint=False
    )
    tag = models.ForeignKey(
        TagDefinition, on_delete=models.CASCADE, related_name="customer_tags", db_constraint=False
    )
    since = models.DateTimeField(_("打标时间"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tag", "customer"], name="customer_tag_once")]
        indexes = [models.Index(fields=["customer", "tag"])]
        verbose_name = _("客户标签")
        verbose_name_plural = _("客户标签")

    def __str__(self) -> str:
        return f"{self.customer_id}:{self.tag_id}"


class TagChange(models.Model):
    """Tag gained or lost, so "became dormant yesterday" can drive an opportunity rule."""

    class Change(models.TextChoices):
        ADDED = "added", _("新增")
        REMOVED = "removed", _("移除")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tag_changes", db_constraint=False
    )
    tag = models.ForeignKey(
        TagDefinition, on_delete=models.CASCADE, related_name="changes", db_constraint=False
    )
    change = models.CharField(max_length=8, choices=Change.choices)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tag", "change", "at"])]
        verbose_name = _("标签变化")
        verbose_name_plural = _("标签变化")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.change} {self.tag_id}"


class Segment(models.Model):
    """A saved tag combination (客群): customers with all (or any) of the tags."""

    class Match(models.TextChoices):
        ALL = "all", _("同时具有")
        ANY = "any", _("具有任一")

    code = models.CharField(_("客群代码"), max_length=64, unique=True)
    name = models.CharField(_("客群名称"), max_length=64)
    tags = models.ManyToManyField(TagDefinition, related_name="segments")
    match = models.CharField(max_length=4, choices=Match.choices, default=Match.ALL)
    description = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("客群")
        verbose_name_plural = _("客群")

    def __str__(self) -> str:
        return self.name


class OwnershipRecord(models.Model):
    """Who owned the customer when: one open record (ended_at empty) per customer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownership")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=32)

    class Meta:
        ordering = ["customer", "started_at", "id"]
        indexes = [models.Index(fields=["customer", "ended_at"])]
        verbose_name = _("管户历史")
        verbose_name_plural = _("管户历史")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.owner_id} {self.started_at:%Y-%m-%d}"


class PortraitAccess(models.Model):
    """Who looked at which customer's portrait, or revealed their identity, and when."""

    class Action(models.TextChoices):
        VIEW = "view", _("查看画像")
        REVEAL = "reveal", _("查看完整身份")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=8, choices=Action.choices)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("画像访问记录")
        verbose_name_plural = _("画像访问记录")

    def __str__(self) -> str:
        return f"{self.user_id} {self.action} {self.customer_id}"


class ImportUpload(models.Model):
    """The stored file of an import whose job is not decided yet: what a resumed import reads
    again after its worker was lost (`customers_import_resume`). Removed with the file."""

    job = models.OneToOneField("core.Job", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)  # the name in default_storage
    as_of = models.DateField()

    class Meta:
        verbose_name = _("待导入文件")
        verbose_name_plural = _("待导入文件")

    def __str__(self) -> str:
        return f"{self.job_id} {self.name}"


class Handover(models.Model):
    """One confirmed handover (离职交接, or 在职转接 when the leaver stays): who, to whom, when, who
    confirmed it, and what moved per kind. `token` is the confirmation the lead gave, unique, so a
    confirmation replayed is refused instead of moving anything twice."""

    class Mode(models.TextChoices):
        RESIGNED = "resigned", _("离职继承")
        IN_JOB = "in_job", _("在职转接")

    leaver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("交出人")
    )
    successor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接替人")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    # The leaver's branch at the time: the lead who sees it is that branch's.
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+", verbose_name=_("网点"))
    mode = models.CharField(_("方式"), max_length=16, choices=Mode.choices, default=Mode.RESIGNED)
    token = models.CharField(_("确认码"), max_length=64, unique=True)
    moved = models.JSONField(_("移交数量"), default=dict)  # {"customers": 900, "opportunities": 12, …}
    created_at = models.DateTimeField(_("交接时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("交接记录")
        verbose_name_plural = _("交接记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["branch", "created_at"])]

    def __str__(self) -> str:
        return f"{self.leaver_id} → {self.successor_id} ({self.created_at:%Y-%m-%d})"


class CustomerFeatures(models.Model):
    """The narrow, typed feature table: one row per customer with a column for each indicator a tag
    rule or an opportunity condition uses (added by `services/features.py`, never by a migration:
    the set follows the rules). Recompute and generation read these columns instead of unpacking
    the 448-key wide record; the wide record stays the portrait's source.

    `present`: the customer has a latest wide record (a customer without one matches no rule).
    `changed_at`: when a refresh last rewrote the row, what an incremental recompute looks at."""

    # No database constraint: Django still deletes the row with its customer, and the refresh's
    # ALTER TABLE … ADD COLUMN would otherwise fail on the deferred FK checks of rows written
    # earlier in the same transaction ("pending trigger events").
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="features", db_constraint=False
    )
    present = models.BooleanField(default=False)
    changed_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "customers_features"
        verbose_name = _("客户特征")
        verbose_name_plural = _("客户特征")

    def __str__(self) -> str:
        return str(self.customer_id)


class FeatureStale(models.Model):
    """Customers whose wide record was written since the feature table last read it. Filled by
    database triggers on the wide table (migration 0005), so every writer — the import, the seed,
    an ORM `update()` — is seen without remembering to call anything; emptied by the refresh."""

    customer_id = models.BigIntegerField(primary_key=True)

    class Meta:
        db_table = "customers_featurestale"
        verbose_name = _("待刷新特征")
        verbose_name_plural = _("待刷新特征")

    def __str__(self) -> str:
        return str(self.customer_id)
