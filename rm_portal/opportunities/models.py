"""Opportunities (商机): a rule over tags and indicators generates leads for RMs, who execute
them within a deadline following a script; branch leads review them for accuracy."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rm_portal.customers.models import Customer
from rm_portal.org.models import Branch


class RuleKind(models.TextChoices):
    MAINTAIN = "maintain", _("维护")
    MINE = "mine", _("挖潜")


class OpportunityRule(models.Model):
    code = models.SlugField(_("规则代码"), max_length=64, unique=True)
    name = models.CharField(_("规则名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=8, choices=RuleKind.choices)
    # The rule language of customers/rules.py plus `became(tag)`; see conditions.py.
    condition = models.TextField(_("触发条件"))
    # Placeholders such as {customer_name}; see scripts.py for the list.
    script = models.TextField(_("话术模板"), blank=True)
    due_days = models.PositiveSmallIntegerField(_("处理时限（天）"), default=3)
    cooldown_days = models.PositiveSmallIntegerField(_("冷却期（天）"), default=30)
    priority = models.PositiveSmallIntegerField(_("优先级"), default=50)
    active = models.BooleanField(_("启用"), default=True)
    last_run_at = models.DateTimeField(_("上次运行"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "code"]
        verbose_name = _("商机规则")
        verbose_name_plural = _("商机规则")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        DONE = "done", _("已完成")

    class Outcome(models.TextChoices):
        CONVERTED = "converted", _("已成交")
        CONTACTED = "contacted", _("已联系")
        UNREACHABLE = "unreachable", _("未联系上")
        DECLINED = "declined", _("客户拒绝")

    rule = models.ForeignKey(OpportunityRule, on_delete=models.PROTECT, related_name="opportunities")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="opportunities")
    # Empty: the customer has no (active) owner, so the opportunity waits in the branch lead's queue.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="opportunities",
        verbose_name=_("处理人"),
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="opportunities")
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(_("结果"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(_("备注"), blank=True)
    amount = models.DecimalField(_("金额"), max_digits=14, decimal_places=2, null=True, blank=True)
    # Why it fired, frozen at generation: {"indicators": [{code, name, value, unit}], "tags": [...],
    # "became": [...]} (names included: the reason must read the same after a rename).
    reason = models.JSONField(_("触发原因"), default=dict, blank=True)
    script = models.TextField(_("话术"), blank=True)
    # Set by the generator (not auto_now_add): every row of one run shares the run's timestamp.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField(_("截止时间"))
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)
    accurate = models.BooleanField(_("检视：准确"), null=True, blank=True)
    review_comment = models.CharField(_("检视意见"), max_length=500, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # Idempotent generation: never a second open opportunity for one rule and customer.
            models.UniqueConstraint(
                fields=["rule", "customer"],
                condition=models.Q(status="open"),
                name="opportunity_one_open_per_rule_and_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["branch", "status", "due_at"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["rule", "customer", "created_at"]),
        ]
        verbose_name = _("商机")
        verbose_name_plural = _("商机")

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.customer_id} {self.status}"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at < timezone.now()
