from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    RM = "rm", _("客户经理")
    BRANCH_LEAD = "branch_lead", _("网点负责人")
    COMPLIANCE = "compliance", _("合规专员")
    HEAD_OFFICE = "head_office", _("总行管理员")
    # The chat gateway pushes archived messages; it is a machine account, not a person.
    GATEWAY = "gateway", _("会话网关")


class Branch(models.Model):
    code = models.CharField(_("网点代码"), max_length=16, unique=True)
    name = models.CharField(_("网点名称"), max_length=64)

    class Meta:
        ordering = ["code"]
        verbose_name = _("网点")
        verbose_name_plural = _("网点")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


def wechat_qr_path(instance: Staff, filename: str) -> str:
    """A random name: the file says nothing about whose it is and cannot be guessed."""
    return f"staff/wechat/{secrets.token_hex(16)}.png"


class Staff(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="staff", verbose_name=_("网点"))
    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    name = models.CharField(_("姓名"), max_length=64)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    wechat_id = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    # Set only through org.services.staff_wechat_qr_set: a checked, re-encoded PNG.
    wechat_qr = models.FileField(_("微信二维码"), upload_to=wechat_qr_path, max_length=100, blank=True)
    active = models.BooleanField(_("在职"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["branch__code", "employee_no"]
        verbose_name = _("员工")
        verbose_name_plural = _("员工")
        indexes = [
            models.Index(fields=["branch", "role"]),
            # Every WeCom contact event names its RM by wechat_id: a lookup per event.
            models.Index(fields=["wechat_id"], name="org_staff_wechat_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user.username})"


class StaffChange(models.Model):
    """Who changed whose role, activity, password or key, and from what to what.

    Append-only: the services that change these write one row each, nothing edits or deletes one.
    """

    class What(models.TextChoices):
        CREATED = "created", _("开通账号")
        ROLE = "role", _("角色")
        ACTIVE = "active", _("在职状态")
        PASSWORD = "password", _("密码")
        GATEWAY_KEY = "gateway_key", _("网关密钥")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    # None: done from the command line (seed_demo, gateway_key), a deployment act.
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    whom = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_changes",
        verbose_name=_("对象"),
    )
    what = models.CharField(_("变更项"), max_length=16, choices=What.choices)
    before = models.CharField(_("变更前"), max_length=64, blank=True)
    after = models.CharField(_("变更后"), max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("账号变更记录")
        verbose_name_plural = _("账号变更记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.whom_id} {self.what}"

    def save(self, *args: object, **kwargs: object) -> None:
        # The audit trail of who may do what: a row, once written, is evidence.
        if not self._state.adding:
            raise ValueError("StaffChange rows are append-only")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("StaffChange rows are append-only")


class GatewayKey(models.Model):
    """The chat gateway's API key: only its SHA-256 is kept. It never lapses (a machine cannot type a
    password or answer a lock) and is replaced by issuing a new one (`manage.py gateway_key`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="gateway_key"
    )
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("网关密钥")
        verbose_name_plural = _("网关密钥")

    def __str__(self) -> str:
        return f"gateway key of {self.user_id}"
