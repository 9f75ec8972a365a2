"""The chat toolbar sidebar (聊天工具栏): who the current contact is, what to say, and sending it.

Inside WeCom the page learns the contact from the JS-SDK: `wx.agentConfig` with a signature the
server computes from the application's jsapi_ticket (`cgi-bin/ticket/get?type=agent_config`,
cached like the access token), then `getCurExternalContact`. Outside WeCom (the demo, the tests)
the simulator hands the page a signed context: base64url JSON {corpid, userid, external_userid, ts}
and its HMAC-SHA256 under the application's secret. The server verifies it and that the member is
the signed-in RM, so the contact is never something a person can type into the address bar; and
whichever way it arrives, the contact is looked up among the RM's own (another's is a 404)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from compliance.services.lexicon import text_check
from materials.models import Material
from materials.services.shares import share_create, share_text
from rm_portal.core.errors import Invalid, NotAllowed, Unavailable
from rm_portal.customers.masking import mask_phone
from rm_portal.customers.services import timeline_record
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.access import staff_of
from rm_portal.wecom.client import TOKEN_MARGIN_SECONDS, WeComClient, app_client
from rm_portal.wecom.models import ContactFollow

TICKET = "/cgi-bin/ticket/get"
CONTEXT_MAX_AGE = 600  # seconds a signed context is good for: the page is opened from the chat now
MAX_TEXT = 2000


def _ticket_key() -> str:
    return f"wecom:agent-ticket:{settings.WECOM_CORP_ID}:{settings.WECOM_AGENT_ID}"


def agent_ticket(*, client: WeComClient | None = None) -> str:
    """The application's agent_config jsapi_ticket, cached (with its own deadline) like the token."""
    cached = cache.get(_ticket_key())
    if isinstance(cached, dict) and cached.get("until", 0) > time.time():
        return str(cached["ticket"])
    answer = (client or app_client()).get(TICKET, {"type": "agent_config"})
    ticket = answer.get("ticket")
    if not isinstance(ticket, str) or not ticket:
        raise Unavailable(_("企业微信没有返回 jsapi_ticket"))
    lifetime = max(int(answer.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS, 60)
    cache.set(_ticket_key(), {"ticket": ticket, "until": time.time() + lifetime}, lifetime)
    return ticket


def agent_signature(*, ticket: str, nonce: str, timestamp: int, url: str) -> str:
    """WeCom's JS-SDK signature: sha1 of the four fields in this order, the URL without its #."""
    plain = f"jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url.split('#')[0]}"
    return hashlib.sha1(plain.encode(), usedforsecurity=False).hexdigest()  # WeCom prescribes SHA-1


def agent_config(*, url: str, client: WeComClient | None = None) -> dict[str, Any]:
    nonce, timestamp = secrets.token_hex(8), int(time.time())
    return {
        "corpid": settings.WECOM_CORP_ID,
        "agentid": settings.WECOM_AGENT_ID,
        "timestamp": timestamp,
        "nonceStr": nonce,
        "signature": agent_signature(
            ticket=agent_ticket(client=client), nonce=nonce, timestamp=timestamp, url=url
        ),
    }


def context_verify(*, signed: str, user: User, now: float | None = None) -> str:
    """The external_userid of a signed context, when its signature, corp, age and member hold."""
    refused = NotAllowed(_("聊天工具栏的客户信息无效或已过期，请从企业微信聊天重新打开"))
    encoded, _dot, mac = signed.partition(".")
    if not encoded or not mac or not settings.WECOM_SECRET:
        raise refused
    expected = hmac.new(settings.WECOM_SECRET.encode(), encoded.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, mac):
        raise refused
    try:
        payload = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    except (binascii.Error, ValueError):
        raise refused from None
    if not isinstance(payload, dict) or payload.get("corpid") != settings.WECOM_CORP_ID:
        raise refused
    age = (now or time.time()) - float(payload.get("ts") or 0)
    staff = staff_of(user)
    userid = (staff.wechat_id or user.username) if staff else ""
    if not 0 <= age + 60 <= CONTEXT_MAX_AGE + 60 or payload.get("userid") != userid:
        raise refused
    external_userid = payload.get("external_userid")
    if not isinstance(external_userid, str) or not external_userid:
        raise refused
    return external_userid


@dataclass
class Brief:
    """The bound customer as the sidebar shows them: masked, for a screen a customer may see."""

    name: str
    phone: str
    risk_rating: str
    cust_no: str


@dataclass
class Sidebar:
    follow: ContactFollow
    brief: Brief | None
    opportunities: list[Opportunity] = field(default_factory=list)
    recommendations: list[Any] = field(default_factory=list)
    materials: list[Material] = field(default_factory=list)


def masked_name(name: str) -> str:
    return (name[:1] + "*" * (len(name) - 1)) if len(name) > 1 else name


def sidebar_of(*, user: User, follow: ContactFollow) -> Sidebar:
    from materials.selectors import material_list
    from rm_portal.matching.selectors import recommendations_for
    from rm_portal.wecom.selectors import contact_card

    customer = follow.customer
    if customer is None:
        return Sidebar(follow=follow, brief=None)
    card = contact_card(user=user, follow=follow)
    return Sidebar(
        follow=follow,
        brief=Brief(
            masked_name(customer.name), mask_phone(customer.phone), customer.risk_rating, customer.cust_no
        ),
        opportunities=card.opportunities,
        recommendations=recommendations_for(user, customer, limit=3),
        materials=list(material_list(user=user).exclude(kind="poster").order_by("-publish_from", "-pk")[:5]),
    )


@transaction.atomic
def sidebar_send(
    *,
    user: User,
    follow: ContactFollow,
    site: str,
    text: str = "",
    material: Material | None = None,
    opportunity: Opportunity | None = None,
) -> dict[str, Any]:
    """Check, record and answer what `sendChatMessage` sends: a text, or a news card whose link is
    a tracked share link. Refused: a block hit (400 with the hits), the share gate (409)."""
    if follow.rm_id != user.pk:
        raise NotAllowed(_("只能向自己的企业微信客户发送"))
    customer = follow.customer
    if material is not None:
        share = share_create(rm=user, material=material, customer=customer)
        link = site.rstrip("/") + f"/s/{share.token}"
        staff = staff_of(user)
        body = share_text(material=material, staff=staff, customer=customer, url=link) if staff else link
        checked = text_check(text=body)
        if not checked["allowed"]:
            raise Invalid(_("内容含有禁用词，不能发送"), data={"hits": checked["hits"]})
        return {
            "msgtype": "news",
            "news": {"link": link, "title": material.title[:64], "desc": material.body[:120], "imgUrl": ""},
        }
    text = text.strip()
    if not text:
        raise Invalid(fields={"text": _("请填写要发送的内容")})
    if len(text) > MAX_TEXT:
        raise Invalid(fields={"text": _("最多 %(n)d 个字") % {"n": MAX_TEXT}})
    checked = text_check(text=text)
    if not checked["allowed"]:
        raise Invalid(_("内容含有禁用词，不能发送"), data={"hits": checked["hits"]})
    if customer is not None:
        if opportunity is not None:
            timeline_record(
                customer=customer,
                kind="opportunity_script_sent",
                title=_("商机「%(rule)s」：在企业微信聊天中发送话术") % {"rule": opportunity.rule.name},
                actor=user,
                ref=opportunity,
                detail={"rule": opportunity.rule.code, "channel": "wecom_sidebar"},
            )
        else:
            timeline_record(
                customer=customer,
                kind="wecom_chat_send",
                title=_("在企业微信聊天中发送了文字"),
                actor=user,
                ref=follow,
                detail={"length": len(text)},
            )
    return {"msgtype": "text", "text": {"content": text}}
