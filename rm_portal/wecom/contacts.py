"""WeCom contacts (企业微信客户): what the customer-contact events do to them, and the RM's binding.

A contact is a `ContactFollow`: one RM's relation with one WeChat user (`ExternalContact`). The
event services are called by `handlers.py` with the event's fields; each is safe to run twice,
its idempotency coming from the unique (contact, rm) row and conditional updates. A failed
`externalcontact/get` raises, so the event's task retries it and finally records the errcode on
the `CallbackEvent`. The welcome is different: its code is single-use and lapses in 20 seconds, so
a refused or unreachable send is recorded on the follow (`welcome_error`) and not retried.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.models import Severity
from compliance.services.lexicon import text_check
from rm_portal.customers.models import Customer
from rm_portal.customers.services import timeline_record
from rm_portal.notifications.services import notify
from rm_portal.org.access import scope
from rm_portal.org.models import Role, Staff
from rm_portal.wecom.client import WeComError, WeComUnavailable, contact_client
from rm_portal.wecom.models import ContactFollow, ContactWay, ExternalContact

logger = logging.getLogger(__name__)

GET_CONTACT = "/cgi-bin/externalcontact/get"
SEND_WELCOME = "/cgi-bin/externalcontact/send_welcome_msg"
NOT_A_CONTACT = 84061  # WeCom: not an external contact (any more) of anyone
# WeCom's add_way codes that say how the add happened when no state of ours came back.
# 3 名片分享, 201 内部成员共享, 202 管理员/负责人分配.
ADD_WAY_SOURCES = {
    3: ContactFollow.Source.SHARE,
    201: ContactFollow.Source.SHARE,
    202: ContactFollow.Source.TRANSFER,
}
TRANSFER_REASONS = {
    "customer_refused": gettext_lazy("客户拒绝"),
    "customer_limit_exceed": gettext_lazy("接替成员客户达到上限"),
}
NOTIFY_LOST = "wecom_contact_lost"


# ---- phones ---------------------------------------------------------------------------------


def phone_normalised(raw: str) -> str:
    """The digits of a mainland mobile without the country code: `+86 138-0000-0001` and
    `008613800000001` are `13800000001`."""
    digits = re.sub(r"\D", "", raw or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def customers_with_phone(*, rm: User, mobiles: Iterable[str]) -> list[Customer]:
    """The customers in the RM's scope whose phone is one of `mobiles`, however either is written.
    The database narrows by the last 4 digits (a stored `139 0000 2222` ends with them too); the
    comparison is on the normalised numbers."""
    wanted = {n for n in (phone_normalised(m) for m in mobiles) if len(n) >= 8}
    if not wanted:
        return []
    narrow = Q()
    for number in wanted:
        narrow |= Q(phone__endswith=number[-4:])
    candidates = scope(rm, Customer.objects.filter(narrow).only("pk", "cust_no", "phone", "name"))
    return [c for c in candidates[:50] if phone_normalised(c.phone) in wanted]


# ---- the WeCom lookup -------------------------------------------------------------------------


def _rm_of(userid: str) -> User | None:
    staff = (
        Staff.objects.select_related("user")
        .filter(wechat_id=userid, active=True)
        .exclude(wechat_id="")
        .first()
    )
    return staff.user if staff is not None else None


def _int(value: object, default: int = 0) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return default


def _at(value: object) -> datetime:
    try:
        return datetime.fromtimestamp(int(str(value)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def _lookup(external_userid: str) -> dict[str, Any] | None:
    """`externalcontact/get`; None when WeCom says nobody follows the contact any more."""
    try:
        return contact_client().get(GET_CONTACT, {"external_userid": external_userid})
    except WeComError as error:
        if error.errcode == NOT_A_CONTACT:
            return None
        raise


def _follow_entry(answer: dict[str, Any], userid: str) -> dict[str, Any] | None:
    for entry in answer.get("follow_user") or []:
        if isinstance(entry, dict) and entry.get("userid") == userid:
            return entry
    return None


def _contact_store(answer: dict[str, Any], external_userid: str) -> ExternalContact:
    data = answer.get("external_contact") or {}
    values = {
        "name": str(data.get("name") or "")[:64] or _("微信用户"),
        "type": _int(data.get("type"), ExternalContact.Type.WECHAT),
        "avatar": str(data.get("avatar") or "")[:500],
        "corp_name": str(data.get("corp_name") or "")[:128],
        "unionid": str(data.get("unionid") or "")[:64],
    }
    contact, created = ExternalContact.objects.get_or_create(external_userid=external_userid, defaults=values)
    if not created and any(getattr(contact, k) != v for k, v in values.items()):
        ExternalContact.objects.filter(pk=contact.pk).update(**values, updated_at=timezone.now())
        for key, value in values.items():
            setattr(contact, key, value)
    return contact


def _entry_values(entry: dict[str, Any]) -> dict[str, Any]:
    mobiles = [str(m)[:32] for m in (entry.get("remark_mobiles") or []) if m][:10]
    tags = [t for t in (entry.get("tags") or []) if isinstance(t, dict)][:50]
    return {
        "remark": str(entry.get("remark") or "")[:64],
        "description": str(entry.get("description") or "")[:300],
        "remark_mobiles": mobiles,
        "wecom_tags": tags,
    }


def _attribution(rm: User, state: str, add_way: int) -> dict[str, Any]:
    """The code the add came through, when its state is one of this RM's codes. A state of another
    RM's code (forged, or a code handed around) attributes nothing."""
    way = ContactWay.objects.filter(state=state, owner=rm).first() if state else None
    if way is not None:
        source = ContactFollow.Source.POSTER if way.material_id else ContactFollow.Source.RM
        return {"source": source, "contact_way": way, "material_id": way.material_id}
    return {
        "source": ADD_WAY_SOURCES.get(add_way, ContactFollow.Source.OTHER),
        "contact_way": None,
        "material_id": None,
    }


# ---- binding ----------------------------------------------------------------------------------


def _wechat_id_sync(*, customer: Customer | None, external_userid: str, bound: bool) -> None:
    """`Customer.wechat_external_id` follows the binding: set on a bind, cleared on the customer
    left behind when no other relation still binds them to that WeChat user."""
    if customer is None:
        return
    if bound:
        Customer.objects.filter(pk=customer.pk).update(wechat_external_id=external_userid)
        customer.wechat_external_id = external_userid
        return
    still = ContactFollow.objects.filter(customer=customer, contact__external_userid=external_userid)
    if customer.wechat_external_id == external_userid and not still.exists():
        Customer.objects.filter(pk=customer.pk).update(wechat_external_id="")
        customer.wechat_external_id = ""


def contact_autobind(*, follow: ContactFollow) -> Customer | None:
    """Bind an unbound follow when exactly one customer of the RM's scope has one of its remark
    mobiles as their phone; none or several (a shared family phone) leave it for the RM."""
    if follow.customer_id is not None:
        return None
    found = customers_with_phone(rm=follow.rm, mobiles=follow.remark_mobiles)
    if len({c.pk for c in found}) != 1:
        return None
    customer = found[0]
    now = timezone.now()
    claimed = ContactFollow.objects.filter(pk=follow.pk, customer__isnull=True).update(
        customer=customer, bind_method=ContactFollow.BindMethod.AUTO, bound_by=None, bound_at=now
    )
    if not claimed:
        return None
    follow.customer, follow.bind_method, follow.bound_by, follow.bound_at = (
        customer,
        ContactFollow.BindMethod.AUTO,
        None,
        now,
    )
    _wechat_id_sync(customer=customer, external_userid=follow.contact.external_userid, bound=True)
    timeline_record(
        customer=customer,
        kind="wecom_bind",
        title=_("添加了企业微信（%(name)s），手机号自动匹配") % {"name": follow.contact.name},
        ref=follow,
        at=now,
    )
    return customer


@transaction.atomic
def contact_bind(*, follow: ContactFollow, customer: Customer, by: User) -> ContactFollow:
    """The RM says which bank customer this WeChat user is. A rebind is allowed (the auto match
    or the RM was wrong); the customer left behind and the new one both get a timeline entry, so
    the binding's history stays on the customers. Binding the same customer again changes nothing."""
    follow = (
        ContactFollow.objects.select_for_update(of=("self",))
        .select_related("contact", "customer")
        .get(pk=follow.pk)
    )
    if follow.customer_id == customer.pk:
        return follow
    previous = follow.customer
    now = timezone.now()
    follow.customer, follow.bind_method, follow.bound_by, follow.bound_at = (
        customer,
        ContactFollow.BindMethod.MANUAL,
        by,
        now,
    )
    follow.save(update_fields=["customer", "bind_method", "bound_by", "bound_at", "updated_at"])
    name = follow.contact.name
    if previous is not None:
        _wechat_id_sync(customer=previous, external_userid=follow.contact.external_userid, bound=False)
        timeline_record(
            customer=previous,
            kind="wecom_unbind",
            title=_("企业微信（%(name)s）改绑到客户 %(to)s") % {"name": name, "to": customer.cust_no},
            actor=by,
            ref=follow,
            at=now,
        )
    _wechat_id_sync(customer=customer, external_userid=follow.contact.external_userid, bound=True)
    timeline_record(
        customer=customer,
        kind="wecom_bind",
        title=_("绑定企业微信（%(name)s）") % {"name": name},
        actor=by,
        ref=follow,
        at=now,
    )
    return follow


# ---- the welcome ----------------------------------------------------------------------------


def welcome_text_for(rm: User) -> str:
    name = getattr(getattr(rm, "staff", None), "name", "") or rm.username
    return str(settings.WECOM_WELCOME_TEXT).replace("{rm}", name)


def _welcome_send(*, follow: ContactFollow, welcome_code: str) -> None:
    """Send the welcome once the compliance matcher allows it; the outcome is kept on the follow."""
    text = welcome_text_for(follow.rm)
    check = text_check(text=text)
    sent_at, error = None, ""
    if not check["allowed"]:
        terms = [h["term"] for h in check["hits"] if h["severity"] == Severity.BLOCK]
        blocked = "、".join(dict.fromkeys(terms))
        error = _("欢迎语未通过合规检查（命中：%(terms)s），未发送") % {"terms": blocked}
    else:
        try:
            contact_client().post(SEND_WELCOME, {"welcome_code": welcome_code, "text": {"content": text}})
            sent_at = timezone.now()
        except WeComError as refused:
            error = _("企业微信拒绝发送欢迎语（错误码 %(code)s）") % {"code": refused.errcode}
        except WeComUnavailable:
            error = _("企业微信暂不可用，欢迎语未发送")
    if error:
        logger.warning("welcome to %s not sent: %s", follow, error)
    ContactFollow.objects.filter(pk=follow.pk).update(welcome_sent_at=sent_at, welcome_error=error[:200])
    follow.welcome_sent_at, follow.welcome_error = sent_at, error[:200]


# ---- the events -------------------------------------------------------------------------------


def contact_added(
    *, userid: str, external_userid: str, state: str = "", welcome_code: str = ""
) -> ContactFollow | None:
    """add_external_contact: store the contact and the RM's follow, attribute it, bind it when the
    phone says who it is, welcome the customer. None when there is nobody to store (an unknown
    member, or a contact WeCom no longer has)."""
    rm = _rm_of(userid)
    if rm is None:
        logger.warning("add_external_contact for unknown WeCom member %r: ignored", userid)
        return None
    answer = _lookup(external_userid)
    entry = _follow_entry(answer, userid) if answer is not None else None
    if answer is None or entry is None:
        logger.info("add_external_contact %s/%s: WeCom no longer has it", userid, external_userid)
        return None
    contact = _contact_store(answer, external_userid)
    state = state or str(entry.get("state") or "")
    add_way = _int(entry.get("add_way"))
    values = {
        **_entry_values(entry),
        **_attribution(rm, state[:30], add_way),
        "state": state[:30],
        "add_way": add_way,
        "added_at": _at(entry.get("createtime")),
    }
    follow, created = ContactFollow.objects.select_for_update().get_or_create(
        contact=contact, rm=rm, defaults=values
    )
    returning = not created and follow.status != ContactFollow.Status.ACTIVE
    if not created:
        # The same add again changes nothing; a re-add after a removal is a fresh relation.
        updates = {**_entry_values(entry)}
        if returning:
            updates.update(values, status=ContactFollow.Status.ACTIVE, status_changed_at=timezone.now())
        for key, value in updates.items():
            setattr(follow, key, value)
        follow.save()
    follow.contact = contact
    contact_autobind(follow=follow)
    if welcome_code and (
        created or returning or (follow.welcome_sent_at is None and not follow.welcome_error)
    ):
        _welcome_send(follow=follow, welcome_code=welcome_code)
    return follow


def contact_edited(*, userid: str, external_userid: str) -> ContactFollow | None:
    """edit_external_contact: the RM changed the remark, mobiles or tags in WeCom. Refreshed from
    `externalcontact/get`; an unbound follow may now be bound by its new mobile. A binding the RM
    made (or one already made) is never moved by an edit."""
    follow = _follow_of(userid, external_userid)
    if follow is None:
        return None
    answer = _lookup(external_userid)
    entry = _follow_entry(answer, userid) if answer is not None else None
    if answer is None or entry is None:
        return follow
    _contact_store(answer, external_userid)
    for key, value in _entry_values(entry).items():
        setattr(follow, key, value)
    follow.save()
    contact_autobind(follow=follow)
    return follow


def _follow_of(userid: str, external_userid: str) -> ContactFollow | None:
    return (
        ContactFollow.objects.select_for_update(of=("self",))
        .select_related("contact", "rm__staff__branch")
        .filter(rm__staff__wechat_id=userid, contact__external_userid=external_userid)
        .exclude(rm__staff__wechat_id="")
        .first()
    )


def _status_set(follow: ContactFollow, status: str) -> bool:
    """Move the status once; False when it already was (the event came twice)."""
    return bool(
        ContactFollow.objects.filter(pk=follow.pk)
        .exclude(status=status)
        .update(status=status, status_changed_at=timezone.now())
    )


def contact_lost(*, userid: str, external_userid: str) -> ContactFollow | None:
    """del_follow_user: the customer removed the RM. The RM and their branch lead are told once."""
    follow = _follow_of(userid, external_userid)
    if follow is None or not _status_set(follow, ContactFollow.Status.LOST):
        return follow
    follow.status = ContactFollow.Status.LOST
    staff = follow.rm.staff
    leads = [
        s.user
        for s in Staff.objects.select_related("user").filter(
            role=Role.BRANCH_LEAD, branch_id=staff.branch_id, active=True
        )
    ]
    who = follow.customer.name if follow.customer_id and follow.customer else follow.contact.name
    notify(
        recipients=[follow.rm, *leads],
        kind=NOTIFY_LOST,
        title=_("企业微信客户 %(who)s 删除了客户经理 %(rm)s") % {"who": who, "rm": staff.name},
        body=_("可以通过电话或网点联系客户，了解原因。"),
        link=reverse("wecom:contact", args=[external_userid]),
    )
    return follow


def contact_removed(*, userid: str, external_userid: str) -> ContactFollow | None:
    """del_external_contact: the RM removed the customer in WeCom."""
    follow = _follow_of(userid, external_userid)
    if follow is not None and _status_set(follow, ContactFollow.Status.REMOVED):
        follow.status = ContactFollow.Status.REMOVED
    return follow


def contact_transfer_fail_record(
    *, external_userid: str, reason: str, handover_userid: str = "", takeover_userid: str = ""
) -> int:
    """Keep why WeCom did not move a contact to another RM on the relation that stayed: the
    handover's follow when known, else every follow of the contact but the takeover's. The
    handover's poller calls this for a failed `transfer_result` too. Returns the follows marked."""
    words = TRANSFER_REASONS.get(reason)
    text = str(words) if words is not None else _("企业微信未能转移（%(reason)s）") % {"reason": reason}
    follows = ContactFollow.objects.filter(contact__external_userid=external_userid)
    if handover_userid:
        follows = follows.filter(rm__staff__wechat_id=handover_userid)
    elif takeover_userid:
        follows = follows.exclude(rm__staff__wechat_id=takeover_userid)
    return follows.update(transfer_error=text[:200], transfer_failed_at=timezone.now())
