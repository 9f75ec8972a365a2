"""离职继承 (and 在职转接): preview what would move, then, on a confirmation that matches the
preview, run every app's mover in one transaction, record the handover, and let the apps whose
work starts after the commit (the WeCom transfer) begin.

The confirmation token is the preview's nonce and a keyed digest of it with who, to whom, how, and
per kind how many and exactly which rows. A book that changed after the preview gives another
digest (409, look again); a token already used is a replay (409, nothing moves twice)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from rm_portal.core.errors import Conflict, Invalid
from rm_portal.customers.models import Customer, Handover, OwnershipRecord, TimelineEvent
from rm_portal.customers.services import timeline_record_many
from rm_portal.org.handover import SAMPLE_SIZE, Preview, in_order, label_of, preview_of, specs
from rm_portal.org.models import Role, Staff
from rm_portal.org.services import staff_deactivate


def customers_preview(leaver: User, successor: User) -> dict[str, Preview]:
    rows = list(Customer.objects.filter(owner=leaver).order_by("pk").values_list("pk", "name"))
    return {"customers": preview_of([pk for pk, _n in rows], [name for _pk, name in rows[:SAMPLE_SIZE]])}


def customers_move(leaver: User, successor: User) -> dict[str, int]:
    """The customers mover: owner changes, the ownership history keeps who owned when."""
    now = timezone.now()
    customers = list(
        Customer.objects.filter(owner=leaver).select_for_update().only("id", "created_at", "branch_id")
    )
    if not customers:
        return {"customers": 0}
    ids = [customer.pk for customer in customers]
    open_records = set(
        OwnershipRecord.objects.filter(customer_id__in=ids, ended_at=None).values_list(
            "customer_id", flat=True
        )
    )
    # Customers from before ownership was recorded get their leaver's period written now.
    OwnershipRecord.objects.bulk_create(
        [
            OwnershipRecord(
                customer_id=c.pk, owner=leaver, started_at=c.created_at, ended_at=now, reason="before_history"
            )
            for c in customers
            if c.pk not in open_records
        ],
        batch_size=1000,
    )
    OwnershipRecord.objects.filter(customer_id__in=ids, ended_at=None).update(ended_at=now)
    OwnershipRecord.objects.bulk_create(
        [OwnershipRecord(customer_id=pk, owner=successor, started_at=now, reason="handover") for pk in ids],
        batch_size=1000,
    )
    successor_branch = successor.staff.branch_id
    Customer.objects.filter(pk__in=ids).update(owner=successor, branch_id=successor_branch, updated_at=now)
    leaver_name = leaver.staff.name
    successor_name = successor.staff.name
    timeline_record_many(
        events=[
            TimelineEvent(
                customer_id=pk,
                kind="handover",
                title=_("客户经理由 %(old)s 交接给 %(new)s") % {"old": leaver_name, "new": successor_name},
                detail={"from": leaver.username, "to": successor.username},
                ref=f"auth.user:{successor.pk}",
                occurred_at=now,
            )
            for pk in ids
        ]
    )
    return {"customers": len(ids)}


def handover_check(*, leaver: Staff, successor: Staff | None, by: Staff, mode: str) -> Staff:
    if mode not in Handover.Mode.values:
        raise Invalid(fields={"mode": _("交接方式只能是离职继承或在职转接")})
    if leaver.role != Role.RM:
        raise Invalid(_("只能交接客户经理的客户"))
    if not leaver.active or not leaver.user.is_active:
        raise Invalid(_("该客户经理已离职"))
    if successor is None:
        raise Invalid(fields={"to": _("继任者不存在")})
    if successor.pk == leaver.pk:
        raise Invalid(fields={"to": _("不能交接给本人")})
    if not successor.active or not successor.user.is_active:
        raise Invalid(fields={"to": _("继任者已停用")})
    if successor.role != Role.RM:
        raise Invalid(fields={"to": _("继任者必须是客户经理")})
    if by.role == Role.BRANCH_LEAD and successor.branch_id != leaver.branch_id:
        raise Invalid(fields={"to": _("继任者必须是本网点的客户经理")})
    return successor


@dataclass(frozen=True)
class Kind:
    """One line of a preview or a result: the key a program reads, the words a person reads."""

    key: str
    label: str
    count: int
    sample: list[str]


@dataclass(frozen=True)
class HandoverPreview:
    leaver: Staff
    successor: Staff
    mode: str
    kinds: list[Kind]
    token: str

    @property
    def total(self) -> int:
        return sum(kind.count for kind in self.kinds)


def _previews(leaver: User, successor: User) -> dict[str, Preview]:
    previews: dict[str, Preview] = {}
    for spec in specs():
        if spec.preview is not None:
            previews.update(spec.preview(leaver, successor))
    return previews


NONCE_CHARS = 16


def _token(leaver: Staff, successor: Staff, mode: str, previews: dict[str, Preview], nonce: str) -> str:
    """The preview's nonce (each preview its own, so the same book handed back and forth twice is
    not mistaken for a replay) and a keyed digest of the nonce and exactly what would move."""
    parts = [nonce, str(leaver.user_id), str(successor.user_id), mode]
    parts += [f"{key}:{p.count}:{p.fingerprint}" for key, p in sorted(previews.items())]
    digest = salted_hmac("rm_portal.handover", "|".join(parts), algorithm="sha256").hexdigest()
    return nonce + digest[: 64 - NONCE_CHARS]


def handover_preview(*, leaver: Staff, successor: Staff | None, by: Staff, mode: str) -> HandoverPreview:
    """What a handover would move, per kind, with a few names each, and the token to confirm it."""
    checked = handover_check(leaver=leaver, successor=successor, by=by, mode=mode)
    previews = _previews(leaver.user, checked.user)
    kinds = [Kind(key, label_of(key), p.count, p.sample) for key, p in previews.items()]
    nonce = secrets.token_hex(NONCE_CHARS // 2)
    return HandoverPreview(leaver, checked, mode, kinds, _token(leaver, checked, mode, previews, nonce))


@transaction.atomic
def handover_confirm(
    *, leaver: Staff, successor: Staff | None, by: Staff, token: str, mode: str = Handover.Mode.RESIGNED
) -> Handover:
    """Run every registered mover if the book is still the one the preview showed; all or nothing.
    A resigned leaver's login goes too; an in-job leaver stays."""
    # One confirmation at a time per leaver: a second one waits here, then sees the first's row.
    leaver = Staff.objects.select_for_update().select_related("user").get(pk=leaver.pk)
    if Handover.objects.filter(token=token).exists():
        raise Conflict(_("这次交接已经确认过了，没有重复移交"))
    checked = handover_check(leaver=leaver, successor=successor, by=by, mode=mode)
    previews = _previews(leaver.user, checked.user)
    if not constant_time_compare(token, _token(leaver, checked, mode, previews, token[:NONCE_CHARS])):
        raise Conflict(_("预览之后客户或工作有变化，请重新预览后再确认"))
    moved: dict[str, int] = {}
    for spec in specs():
        moved.update(spec.mover(leaver.user, checked.user))
    try:
        with transaction.atomic():
            handover = Handover.objects.create(
                leaver=leaver.user,
                successor=checked.user,
                by=by.user,
                branch_id=leaver.branch_id,
                mode=mode,
                token=token,
                moved=moved,
            )
    except IntegrityError as error:  # the same token committed by another request in between
        raise Conflict(_("这次交接已经确认过了，没有重复移交")) from error
    if mode == Handover.Mode.RESIGNED:
        staff_deactivate(staff=leaver)
    for spec in specs():
        if spec.after is not None:
            after = spec.after
            transaction.on_commit(lambda after=after: after(handover.pk))  # type: ignore[misc]
    return handover


def handover_kinds(handover: Handover) -> list[Kind]:
    """The record's counts in the person's words, in the registry's order."""
    return [Kind(key, label_of(key), int(count), []) for key, count in in_order(handover.moved)]
