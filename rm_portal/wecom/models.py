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
    """A 联系我 code made with WeCom's `add_contact_way`: the RM's own (material empty), or the one on
    this RM's poster of a material (material set), so an add through it is attributed to both.

    `state` comes back on every add made through the code, so it is the attribution; it is random
    (not derived from the username), so nobody can forge an add into someone else's count."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="contact_ways",
        verbose_name=_("客户经理"),
    )
    material = models.ForeignKey(
        "materials.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_ways",
        verbose_name=_("海报物料"),
    )
    config_id = models.CharField(_("配置 ID"), max_length=64, unique=True)
    qr_code = models.URLField(_("二维码地址"), max_length=500)
    state = models.CharField(_("渠道参数"), max_length=30, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("联系我二维码")
        verbose_name_plural = _("联系我二维码")
        constraints = [
            # One personal code per RM, and one per RM and poster: made once, then reused.
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(material__isnull=True),
                name="wecom_one_personal_contact_way",
            ),
            models.UniqueConstraint(fields=["owner", "material"], name="wecom_one_poster_contact_way"),
        ]

    def __str__(self) -> str:
        return f"{self.owner.username}: {self.config_id}"


class ExternalContact(models.Model):
    """A WeChat user as WeCom knows them (`externalcontact/get`'s `external_contact`): one row per
    person however many RMs they added. What each RM has with them is a `ContactFollow`."""

    class Type(models.IntegerChoices):
        WECHAT = 1, _("微信用户")
        WECOM = 2, _("企业微信用户")

    external_userid = models.CharField(_("外部联系人 ID"), max_length=64, unique=True)
    name = models.CharField(_("微信昵称"), max_length=64)
    type = models.PositiveSmallIntegerField(_("类型"), choices=Type.choices, default=Type.WECHAT)
    avatar = models.URLField(_("头像"), max_length=500, blank=True)
    corp_name = models.CharField(_("所在企业"), max_length=128, blank=True)
    unionid = models.CharField(_("UnionID"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("首次添加"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("企业微信客户")
        verbose_name_plural = _("企业微信客户")

    def __str__(self) -> str:
        return f"{self.name} ({self.external_userid})"


class ContactFollow(models.Model):
    """One RM's relation with one WeChat user (WeCom's `follow_user` entry): what the API calls a
    contact. It carries the attribution of the add (state → code → RM and poster), the binding to a
    bank customer (a verified add), and the status WeCom's events move."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        LOST = "lost", _("已被客户删除")  # del_follow_user: the customer removed the RM
        REMOVED = "removed", _("已删除客户")  # del_external_contact: the RM removed the customer

    class Source(models.TextChoices):
        RM = "rm", _("个人联系我")
        POSTER = "poster", _("海报")
        SHARE = "share", _("分享链接")
        TRANSFER = "transfer", _("继承")
        OTHER = "other", _("其他方式")

    class BindMethod(models.TextChoices):
        AUTO = "auto", _("手机号自动匹配")
        MANUAL = "manual", _("客户经理绑定")

    contact = models.ForeignKey(
        ExternalContact, on_delete=models.PROTECT, related_name="follows", verbose_name=_("企业微信客户")
    )
    rm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="wecom_follows",
        verbose_name=_("客户经理"),
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    remark = models.CharField(_("备注"), max_length=64, blank=True)
    description = models.CharField(_("描述"), max_length=300, blank=True)
    remark_mobiles = models.JSONField(_("备注手机号"), default=list, blank=True)
    wecom_tags = models.JSONField(_("企业微信标签"), default=list, blank=True)
    add_way = models.PositiveSmallIntegerField(_("添加方式"), default=0)  # WeCom's add_way code
    state = models.CharField(_("渠道参数"), max_length=30, blank=True)
    # Attribution, resolved from `state` when the add arrived.
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.OTHER)
    contact_way = models.ForeignKey(
        ContactWay,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("联系我二维码"),
    )
    material = models.ForeignKey(
        "materials.Material",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("来源物料"),
    )
    # The binding: which bank customer this WeChat user is (a verified add), who said so and when.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wecom_follows",
        verbose_name=_("绑定客户"),
    )
    bind_method = models.CharField(_("绑定方式"), max_length=16, choices=BindMethod.choices, blank=True)
    bound_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("绑定人"),
    )
    bound_at = models.DateTimeField(_("绑定时间"), null=True, blank=True)
    welcome_sent_at = models.DateTimeField(_("欢迎语发送时间"), null=True, blank=True)
    welcome_error = models.CharField(_("欢迎语未发送原因"), max_length=200, blank=True)
    # WeCom refused to move this relation to another RM (transfer_fail, or a failed transfer_result).
    transfer_error = models.CharField(_("继承失败原因"), max_length=200, blank=True)
    transfer_failed_at = models.DateTimeField(_("继承失败时间"), null=True, blank=True)
    added_at = models.DateTimeField(_("添加时间"))  # WeCom's createtime of the follow
    status_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    # A relation moved here by a handover's WeCom transfer: from whom, when (the source stays).
    inherited_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("继承自"),
    )
    inherited_at = models.DateTimeField(_("继承时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("客户联系关系")
        verbose_name_plural = _("客户联系关系")
        ordering = ["-added_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["contact", "rm"], name="wecom_one_follow_per_rm")]
        indexes = [
            models.Index(fields=["rm", "status", "added_at"]),
            models.Index(fields=["added_at"]),
            models.Index(fields=["customer"]),
            models.Index(fields=["material", "added_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.rm.username} → {self.contact.external_userid}"


class HandoverTransfer(models.Model):
    """The WeCom side of one handover: the relationships move only through WeCom's own transfer
    (`resigned/transfer_customer` for a leaver, `transfer_customer` between two serving RMs), after
    the database handover committed. Skipped, with the reason, when it cannot happen."""

    class Kind(models.TextChoices):
        RESIGNED = "resigned", _("离职继承")
        IN_JOB = "in_job", _("在职继承")

    class State(models.TextChoices):
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        SKIPPED = "skipped", _("未迁移")

    handover = models.OneToOneField(
        "customers.Handover", on_delete=models.PROTECT, related_name="wecom_transfer", verbose_name=_("交接")
    )
    kind = models.CharField(_("方式"), max_length=16, choices=Kind.choices)
    handover_userid = models.CharField(_("原跟进成员"), max_length=64, blank=True)
    takeover_userid = models.CharField(_("接替成员"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.RUNNING)
    reason = models.CharField(_("未迁移原因"), max_length=200, blank=True)
    # Sending: the failed attempts of the last chunk, when the next may go, what WeCom said.
    send_attempts = models.PositiveSmallIntegerField(_("发送失败次数"), default=0)
    next_send_at = models.DateTimeField(_("下次发送"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    polled_at = models.DateTimeField(_("最近查询"), null=True, blank=True)
    created_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("企业微信客户迁移")
        verbose_name_plural = _("企业微信客户迁移")
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.handover_userid} → {self.takeover_userid} ({self.state})"


class ContactTransfer(models.Model):
    """One contact of a handover's WeCom transfer. The row is the idempotency: only a `pending`
    row is ever sent, and it leaves `pending` in the same transaction that records WeCom's answer."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        WAITING = "waiting", _("等待接替")
        SUCCESS = "success", _("接替完毕")
        REFUSED = "refused", _("客户拒绝")
        LIMIT = "limit", _("接替成员客户达到上限")
        FAILED = "failed", _("迁移失败")
        SKIPPED = "skipped", _("未迁移")

    FINAL = frozenset({Status.SUCCESS, Status.REFUSED, Status.LIMIT, Status.FAILED, Status.SKIPPED})

    transfer = models.ForeignKey(
        HandoverTransfer, on_delete=models.PROTECT, related_name="contacts", verbose_name=_("迁移")
    )
    handover = models.ForeignKey(
        "customers.Handover", on_delete=models.PROTECT, related_name="+", verbose_name=_("交接")
    )
    follow = models.ForeignKey(
        ContactFollow, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("客户联系关系")
    )
    external_userid = models.CharField(_("外部联系人 ID"), max_length=64)
    from_rm = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("原客户经理")
    )
    to_rm = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("接替客户经理")
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.PENDING)
    errcode = models.IntegerField(_("错误码"), null=True, blank=True)
    errmsg = models.CharField(_("错误信息"), max_length=200, blank=True)
    conversations = models.PositiveIntegerField(_("随迁会话"), default=0)
    requested_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    takeover_at = models.DateTimeField(_("接替时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("企业微信客户迁移明细")
        verbose_name_plural = _("企业微信客户迁移明细")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["handover", "follow"], name="wecom_one_transfer_per_handover")
        ]
        indexes = [models.Index(fields=["transfer", "status"])]

    def __str__(self) -> str:
        return f"{self.external_userid}: {self.status}"


# ---- the contacts stats' rollup (docs/decisions.md) ---------------------------------------------
# Built by `stats_rollup.contact_figures_rebuild` (a beat job) from the follows, in one transaction:
# the figures of the adds made on each bank day before `ContactFiguresBuild.through`, as the follows
# stood at `built_at`. The stats read them for those days and the follows themselves from `through`.


class ContactFiguresBuild(models.Model):
    """The one row saying how far the rollup reaches; none before the first build (stats then live)."""

    through = models.DateField(_("汇总截至（不含）"))
    built_at = models.DateTimeField(_("汇总时间"))
    seconds = models.FloatField(_("汇总耗时（秒）"), default=0)

    class Meta:
        verbose_name = _("客户联系统计汇总")
        verbose_name_plural = _("客户联系统计汇总")

    def __str__(self) -> str:
        return f"through {self.through}"


class _Figures(models.Model):
    """The three counts every rollup row carries, as the live stats compute them."""

    adds = models.PositiveIntegerField(default=0)
    bound = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ContactFiguresRmDay(_Figures):
    """One RM's adds of one bank day: for the per-RM and per-branch stats (the branch is the RM's
    current one, as in the live figures)."""

    day = models.DateField(_("日期"))
    rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("客户经理每日添加汇总")
        verbose_name_plural = _("客户经理每日添加汇总")
        constraints = [models.UniqueConstraint(fields=["day", "rm"], name="wecom_figures_one_rm_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.rm_id}: {self.adds}"


class ContactFiguresRmMonth(_Figures):
    """The same per calendar month (`month` is its first day): a year is twelve of these per RM."""

    month = models.DateField(_("月份"))
    rm = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("客户经理每月添加汇总")
        verbose_name_plural = _("客户经理每月添加汇总")
        constraints = [models.UniqueConstraint(fields=["month", "rm"], name="wecom_figures_one_rm_month")]

    def __str__(self) -> str:
        return f"{self.month} {self.rm_id}: {self.adds}"


class ContactFiguresPosterDay(_Figures):
    """All RMs' adds of one bank day per poster (`material` None: not through a poster): for head
    office's per-poster and per-day stats."""

    day = models.DateField(_("日期"))
    material = models.ForeignKey(
        "materials.Material", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("海报每日添加汇总")
        verbose_name_plural = _("海报每日添加汇总")
        indexes = [models.Index(fields=["day", "material"])]

    def __str__(self) -> str:
        return f"{self.day} {self.material_id}: {self.adds}"
