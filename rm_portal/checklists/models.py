"""Daily standardised checklists (标准化动作): templates, the runs generated from them, audits."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rm_portal.org.models import Branch


def photo_path(item: RunItem, filename: str) -> str:
    # Random names: photos are served only through a view that checks who may see the run.
    return f"checklists/{item.run.date:%Y/%m}/{uuid.uuid4().hex}.jpg"


class ChecklistTemplate(models.Model):
    class Scope(models.TextChoices):
        PERSON = "person", _("每人一份")
        BRANCH = "branch", _("每网点一份")

    class Early(models.TextChoices):
        """What a completion before the window opens (time_of_day on the run's day) does."""

        ALLOW = "allow", _("允许提前完成")
        FLAG = "flag", _("允许，但标记为提前完成")
        REFUSE = "refuse", _("不允许提前完成")

    name = models.CharField(_("名称"), max_length=100)
    time_of_day = models.TimeField(_("提醒时间"))  # in settings.TIME_ZONE (the bank's Asia/Shanghai)
    weekdays = models.JSONField(_("星期"), default=list)  # ISO weekdays 1 (Monday) … 7 (Sunday)
    due_minutes = models.PositiveIntegerField(_("完成时限（分钟）"), default=60)
    roles = models.JSONField(_("执行角色"), default=list)
    branches = models.ManyToManyField(Branch, blank=True, related_name="+", verbose_name=_("适用网点"))
    skip_holidays = models.BooleanField(_("节假日不执行"), default=True)
    # person: one run per assignee a day; branch: one run per branch a day, any member completes it.
    scope = models.CharField(_("执行方式"), max_length=8, choices=Scope.choices, default=Scope.PERSON)
    early = models.CharField(_("提前完成"), max_length=8, choices=Early.choices, default=Early.ALLOW)
    version = models.PositiveIntegerField(_("版本"), default=1)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["time_of_day", "id"]
        verbose_name = _("动作模板")
        verbose_name_plural = _("动作模板")

    def __str__(self) -> str:
        return self.name


class TemplateItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(_("事项"), max_length=200)
    requires_photo = models.BooleanField(_("需拍照"), default=False)
    requires_note = models.BooleanField(_("需备注"), default=False)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["template", "order", "id"]

    def __str__(self) -> str:
        return self.text


class Holiday(models.Model):
    """The bank's holiday calendar: no runs are generated on these dates."""

    date = models.DateField(_("日期"), unique=True)
    name = models.CharField(_("名称"), max_length=64)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Generation(models.Model):
    """One row per template and day once that day's runs exist: the beat's "already done" mark."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    runs = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "date"], name="one_generation_per_day")]

    def __str__(self) -> str:
        return f"{self.template_id} {self.date}"


class ChecklistRun(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待完成")
        SUBMITTED = "submitted", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已退回")
        MISSED = "missed", _("未完成")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="runs")
    template_version = models.PositiveIntegerField()
    name = models.CharField(_("名称"), max_length=100)  # snapshot: renaming a template keeps history
    # A branch run belongs to its branch: `assignee` is then the responsible person (the lead).
    per_branch = models.BooleanField(_("网点级"), default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checklist_runs"
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="checklist_runs")
    date = models.DateField(_("日期"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.OPEN)
    due_at = models.DateTimeField(_("截止时间"))
    reminded_at = models.DateTimeField(null=True, blank=True)
    late_reminded_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    late = models.BooleanField(_("逾期完成"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "assignee", "date"],
                condition=models.Q(per_branch=False),
                name="one_run_per_person_day",
            ),
            models.UniqueConstraint(
                fields=["template", "branch", "date"],
                condition=models.Q(per_branch=True),
                name="one_run_per_branch_day",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "date"]),
            models.Index(fields=["branch", "date"]),
            models.Index(fields=["status", "due_at"]),
        ]
        verbose_name = _("动作记录")
        verbose_name_plural = _("动作记录")

    def __str__(self) -> str:
        return f"{self.name} {self.date}"

    @property
    def scope(self) -> str:
        return ChecklistTemplate.Scope.BRANCH if self.per_branch else ChecklistTemplate.Scope.PERSON

    def is_overdue(self, now: datetime) -> bool:
        return self.status == self.Status.OPEN and now > self.due_at


class RunItem(models.Model):
    """A snapshot of one template item for one run: editing the template never rewrites it."""

    run = models.ForeignKey(ChecklistRun, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("事项"), max_length=200)
    requires_photo = models.BooleanField(default=False)
    requires_note = models.BooleanField(default=False)
    done = models.BooleanField(default=False)
    photo = models.FileField(upload_to=photo_path, blank=True)
    photo_taken_at = models.DateTimeField(_("拍摄时间"), null=True, blank=True)
    photo_flagged = models.BooleanField(_("拍摄时间异常"), default=False)
    note = models.TextField(_("备注"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Who ticked it: on a branch run any member of the branch may.
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    late = models.BooleanField(default=False)
    # Completed before the window opened, on a template that flags it (Early.FLAG).
    early = models.BooleanField(_("提前完成"), default=False)

    class Meta:
        ordering = ["run", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["run", "order"], name="one_item_per_position")]

    def __str__(self) -> str:
        return self.text


class RunAudit(models.Model):
    """The branch lead's verdicts, kept in full: a redo after a rejection adds, never replaces."""

    class Verdict(models.TextChoices):
        APPROVED = "approved", _("通过")
        REJECTED = "rejected", _("退回")

    run = models.ForeignKey(ChecklistRun, on_delete=models.CASCADE, related_name="audits")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.run_id} {self.verdict}"
