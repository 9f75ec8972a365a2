"""联系我 codes: each RM's own, made once with WeCom's `add_contact_way` and reused."""

from __future__ import annotations

import logging
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from rm_portal.core.errors import Invalid, Unavailable
from rm_portal.org.access import staff_of
from rm_portal.wecom.client import WeComError, WeComUnavailable, contact_client
from rm_portal.wecom.models import ContactWay

logger = logging.getLogger(__name__)

ADD_CONTACT_WAY = "/cgi-bin/externalcontact/add_contact_way"
SINGLE, QR_CODE = 1, 2  # WeCom's type (one member) and scene (a QR code)


def state_new() -> str:
    """`r` + 128 random bits: within WeCom's 30-character limit, and not guessable."""
    return "r" + secrets.token_urlsafe(16)


def contact_way_of_rm(*, user: User) -> ContactWay:
    """The RM's own 联系我 code; the first call asks WeCom for it."""
    existing = ContactWay.objects.filter(owner=user).first()
    if existing is not None:
        return existing
    staff = staff_of(user)
    userid = staff.wechat_id if staff is not None else ""
    if not userid:
        raise Invalid(_("您的员工档案没有企业微信账号，请联系总行管理员"))
    if not settings.WECOM_CORP_ID or not settings.WECOM_CONTACT_SECRET:
        raise Unavailable(_("企业微信客户联系未配置"))
    state = state_new()
    try:
        answer = contact_client().post(
            ADD_CONTACT_WAY, {"type": SINGLE, "scene": QR_CODE, "user": [userid], "state": state}
        )
    except WeComError as error:
        logger.warning("add_contact_way for %s refused: %s", user.username, error)
        raise Unavailable(
            _("企业微信拒绝创建联系我二维码（错误码 %(code)s）") % {"code": error.errcode}
        ) from None
    except WeComUnavailable as error:
        logger.warning("add_contact_way for %s failed: %s", user.username, error)
        raise Unavailable(_("企业微信暂不可用，请稍后再试")) from None
    config_id, qr_code = answer.get("config_id"), answer.get("qr_code")
    if not isinstance(config_id, str) or not isinstance(qr_code, str) or not config_id or not qr_code:
        raise Unavailable(_("企业微信的回答缺少二维码"))
    try:
        with transaction.atomic():
            return ContactWay.objects.create(owner=user, config_id=config_id, qr_code=qr_code, state=state)
    except IntegrityError:
        # Two first calls at once: the other one's code is the RM's; ours stays unused in WeCom.
        return ContactWay.objects.get(owner=user)
