"""A head-office demo tool: ask a WeCom simulator to play a WeChat user who scans an RM's 联系我
code. The simulator then pushes the signed `add_external_contact` event to /wecom/callback/, and
the product handles it exactly as one from WeCom. Enabled only by `WECOM_SIM_URL`: the product's
code paths (callback, handlers, stats) have no idea a simulator exists."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext as _

from rm_portal.core.errors import Unavailable
from rm_portal.org.access import scope
from rm_portal.org.models import Role, Staff
from rm_portal.wecom.models import ContactWay

logger = logging.getLogger(__name__)
ADD_CUSTOMER = "/_sim/add_customer"


def demo_enabled() -> bool:
    return bool(settings.WECOM_SIM_URL)


@dataclass(frozen=True)
class DemoAdd:
    external_userid: str
    delivered: bool  # the callback answered `success`
    answer: str  # what the callback answered, for the page


def demo_ways(*, user: User) -> QuerySet[ContactWay]:
    """Every code the user sees (head office: all), the RMs' own first, for the demo page."""
    return scope(user, ContactWay.objects.select_related("owner__staff__branch", "material")).order_by(
        "owner__username", "material_id", "id"
    )


def demo_rms_without_code(*, user: User) -> QuerySet[Staff]:
    """Active RMs with a WeCom account and no personal code yet: the page offers to make one."""
    return (
        scope(user, Staff.objects.select_related("branch"))
        .filter(role=Role.RM, active=True)
        .exclude(wechat_id="")
        .exclude(Exists(ContactWay.objects.filter(owner=OuterRef("user_id"), material=None)))
        .order_by("user__username")
    )


def demo_add_customer(*, way: ContactWay, name: str, mobile: str = "") -> DemoAdd:
    """The simulator adds a WeChat user through this code and pushes the event; Unavailable when
    the simulator cannot be reached or refuses."""
    body: dict[str, str] = {"config_id": way.config_id, "name": name}
    if mobile:
        body["mobile"] = mobile
    request = urllib.request.Request(  # noqa: S310  (http(s): checked in settings)
        settings.WECOM_SIM_URL + ADD_CUSTOMER,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        # The simulator waits for the callback's answer, which is quick (the event is only stored).
        with urllib.request.urlopen(request, timeout=settings.WECOM_TIMEOUT_SECONDS * 2) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as error:
        detail = error.read()[:300].decode(errors="replace")
        logger.warning("the simulator refused add_customer for %s: %s", way.config_id, detail)
        raise Unavailable(_("模拟器拒绝了这次添加：%(detail)s") % {"detail": detail}) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        logger.warning("the simulator did not answer add_customer: %s", error)
        raise Unavailable(_("企业微信模拟器没有响应，请确认它在运行")) from None
    delivered = answer.get("delivered") or {}
    status, text = delivered.get("status"), str(delivered.get("body", delivered.get("error", "")))[:200]
    return DemoAdd(
        external_userid=str(answer.get("external_userid", "")),
        delivered=status == 200 and text == "success",
        answer=f"{status} {text}".strip(),
    )
