"""联系我 codes: each RM's own and one per RM and poster, made once with WeCom's `add_contact_way`
and reused; and the code's QR image, downloaded once and kept on the storage."""

from __future__ import annotations

import hashlib
import io
import logging
import secrets
import urllib.error
import urllib.request

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from materials.models import Material
from rm_portal.core.errors import Invalid, Unavailable
from rm_portal.org.access import staff_of
from rm_portal.wecom.client import WeComError, WeComUnavailable, contact_client
from rm_portal.wecom.models import ContactWay

logger = logging.getLogger(__name__)

ADD_CONTACT_WAY = "/cgi-bin/externalcontact/add_contact_way"
SINGLE, QR_CODE = 1, 2  # WeCom's type (one member) and scene (a QR code)
IMAGE_MAX_BYTES = 2 * 1024 * 1024  # WeCom's code images are ~30 KB; anything this big is not one
# After WeCom failed to make a poster's code, posters fall back to the landing QR for this long
# without asking again, so an outage costs one RM one slow poster, not every RM every poster.
POSTER_CODE_PAUSE_SECONDS = 60
PAUSE_KEY = "wecom:poster-codes-paused"


def wecom_contact_configured() -> bool:
    return bool(settings.WECOM_CORP_ID and settings.WECOM_CONTACT_SECRET)


def state_new() -> str:
    """`r` + 128 random bits: within WeCom's 30-character limit, and not guessable."""
    return "r" + secrets.token_urlsafe(16)


def contact_way_of_rm(*, user: User) -> ContactWay:
    """The RM's own 联系我 code; the first call asks WeCom for it."""
    return _contact_way(user=user, material=None)


def contact_way_of_poster(*, user: User, material: Material) -> ContactWay:
    """The code on this RM's poster of this template: an add through it is attributed to both."""
    return _contact_way(user=user, material=material)


def existing_contact_way(*, user: User, material: Material | None = None) -> ContactWay | None:
    """The code if it was made already; never asks WeCom (for pages a customer or RM is waiting on)."""
    return ContactWay.objects.filter(owner=user, material=material).first()


def _contact_way(*, user: User, material: Material | None) -> ContactWay:
    existing = existing_contact_way(user=user, material=material)
    if existing is not None:
        return existing
    staff = staff_of(user)
    userid = staff.wechat_id if staff is not None else ""
    if not userid:
        raise Invalid(_("您的员工档案没有企业微信账号，请联系总行管理员"))
    if not wecom_contact_configured():
        raise Unavailable(_("企业微信客户联系未配置"))
    state = state_new()
    body: dict[str, object] = {"type": SINGLE, "scene": QR_CODE, "user": [userid], "state": state}
    if material is not None:
        body["remark"] = f"poster {material.pk}"  # shown to head office in WeCom's admin console
    try:
        answer = contact_client().post(ADD_CONTACT_WAY, body)
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
            return ContactWay.objects.create(
                owner=user, material=material, config_id=config_id, qr_code=qr_code, state=state
            )
    except IntegrityError:
        # Two first calls at once: the other one's code is the RM's; ours stays unused in WeCom.
        return ContactWay.objects.get(owner=user, material=material)


def _image_name(way: ContactWay) -> str:
    digest = hashlib.sha256(way.qr_code.encode()).hexdigest()[:12]
    return f"wecom/contact-ways/{way.config_id}-{digest}.png"


def contact_way_png(*, way: ContactWay) -> bytes:
    """The code's QR image as WeCom drew it (re-encoded as PNG), from the storage after the first
    download. The page's Content-Security-Policy allows no foreign images, and a poster is drawn
    from the image itself, so the product keeps its own copy. Unavailable when it cannot be had."""
    name = _image_name(way)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as f:
            stored: bytes = f.read()
            return stored
    try:
        with urllib.request.urlopen(way.qr_code, timeout=settings.WECOM_TIMEOUT_SECONDS) as answer:  # noqa: S310
            raw = answer.read(IMAGE_MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        logger.warning("the QR image of contact way %s could not be fetched: %s", way.config_id, error)
        raise Unavailable(_("企业微信二维码图片暂时取不到")) from None
    if len(raw) > IMAGE_MAX_BYTES:
        raise Unavailable(_("企业微信二维码图片暂时取不到"))
    try:
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        logger.warning("the QR image of contact way %s is not an image", way.config_id)
        raise Unavailable(_("企业微信二维码图片暂时取不到")) from None
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    data = out.getvalue()
    default_storage.save(name, ContentFile(data))
    return data


def poster_contact_way(*, user: User, material: Material) -> ContactWay | None:
    """The 联系我 code for this RM's poster, or None to keep the landing-page QR: WeCom is not
    configured, the RM has no WeCom account, or WeCom failed (logged; a poster must not break the
    RM's day, so a failure pauses asking for a minute instead of answering 503)."""
    if not wecom_contact_configured():
        return None
    existing = existing_contact_way(user=user, material=material)
    if existing is not None:
        return existing
    if cache.get(PAUSE_KEY):
        return None
    try:
        return contact_way_of_poster(user=user, material=material)
    except Invalid:
        return None
    except Unavailable as error:
        logger.warning("poster %s of %s keeps the landing QR: %s", material.pk, user.username, error)
        cache.set(PAUSE_KEY, True, POSTER_CODE_PAUSE_SECONDS)
        return None


def poster_code_png(*, way: ContactWay) -> bytes | None:
    """The code's image for drawing a poster, or None (logged) to draw the landing QR this time."""
    if cache.get(PAUSE_KEY):
        return None
    try:
        return contact_way_png(way=way)
    except Unavailable as error:
        logger.warning("poster code %s keeps the landing QR: %s", way.config_id, error)
        cache.set(PAUSE_KEY, True, POSTER_CODE_PAUSE_SECONDS)
        return None
