"""`/wecom/callback/`: where WeCom pushes its events (企业微信回调). No login: the signature is the
credential, and nothing is looked at before it is checked.

GET is WeCom's URL verification (the decrypted `echostr`, as text). POST is an encrypted event:
stored once (the same event twice changes nothing) and handled by the worker; the answer is
`success` at once, well within WeCom's 5 s.

Refusals, in the order they are decided:
- a POST body over `MAX_BODY_BYTES`: 413, before it is parsed;
- not configured, no valid signature over the `<Encrypt>` (or `echostr`) — including a body that
  has none to check — 403;
- a timestamp more than `REPLAY_WINDOW` away from now: 403 (a replay);
- signed, but not decryptable, for another corp, or not XML inside: 400.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from rm_portal.core.errors import DomainError, Invalid
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.customers.masking import mask_phone
from rm_portal.customers.selectors import customer_for
from rm_portal.org.access import role_of
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error
from rm_portal.wecom import crypto, selectors
from rm_portal.wecom.contacts import contact_bind as contact_bind_service
from rm_portal.wecom.envelope import MalformedXml, encrypted_of
from rm_portal.wecom.forms import BindForm, CustomerSearchForm
from rm_portal.wecom.models import ContactFollow
from rm_portal.wecom.services import callback_event_receive

logger = logging.getLogger(__name__)

REPLAY_WINDOW_SECONDS = 300
# WeCom's events are a few kilobytes; anything near this is not WeCom, and is not parsed at all.
MAX_BODY_BYTES = 256 * 1024
CONTACTS_PER_PAGE = 30


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


class Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _open(request: HttpRequest, encrypted: str | None) -> bytes:
    """The plaintext of `encrypted`, once its signature and timestamp are checked."""
    token, aes_key, corp_id = (
        settings.WECOM_CALLBACK_TOKEN,
        settings.WECOM_CALLBACK_AES_KEY,
        settings.WECOM_CORP_ID,
    )
    if not (token and aes_key and corp_id):
        raise Refused(403, "the callback is not configured")
    timestamp, nonce = request.GET.get("timestamp", ""), request.GET.get("nonce", "")
    given = request.GET.get("msg_signature", "")
    if encrypted is None or not crypto.signature_valid(token, timestamp, nonce, encrypted, given):
        raise Refused(403, "bad signature")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Refused(403, f"timestamp {timestamp[:20]!r} is not a number") from None
    if abs(timezone.now().timestamp() - sent_at) > REPLAY_WINDOW_SECONDS:
        raise Refused(403, f"timestamp {sent_at} is outside the window (a replay?)")
    try:
        return crypto.decrypt(encrypted, aes_key=aes_key, corp_id=corp_id)
    except crypto.WrongReceiver:
        raise Refused(400, "the payload is for another corp") from None
    except crypto.CallbackError as error:
        raise Refused(400, f"the payload cannot be decrypted: {error}") from None


def _refused(request: HttpRequest, refusal: Refused) -> HttpResponse:
    logger.warning(
        "WeCom callback %s from %s refused (%s): %s",
        request.method,
        request.META.get("REMOTE_ADDR", "?"),
        refusal.status,
        refusal.reason,
    )
    words = {403: "forbidden", 413: "too large"}.get(refusal.status, "bad request")
    return _text(words, refusal.status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest) -> HttpResponse:
    try:
        if request.method == "GET":
            return _text(_open(request, request.GET.get("echostr")).decode("utf-8", errors="replace"))
        if len(request.body) > MAX_BODY_BYTES:
            raise Refused(413, f"a body of {len(request.body)} bytes")
        try:
            encrypted: str | None = encrypted_of(request.body)
        except MalformedXml:
            encrypted = None  # nothing a signature could cover: refused as unsigned
        plain = _open(request, encrypted)
        try:
            event, created = callback_event_receive(plain=plain, corp_id=settings.WECOM_CORP_ID)
        except Invalid as error:
            raise Refused(400, error.message) from None
    except Refused as refusal:
        return _refused(request, refusal)
    logger.info("WeCom callback: event %s %s (%s)", event.pk, event, "new" if created else "again")
    return _text("success")


# ---- the RM's contact pages (企业微信客户) -------------------------------------------------------


@staff_page(Role.RM, Role.BRANCH_LEAD)
def contact_list(request: AuthedHttpRequest) -> HttpResponse:
    """The contacts the person sees, the unbound first for an RM; `?bound=0` only those."""
    bound = {"0": False, "1": True}.get(request.GET.get("bound", ""))
    follows = selectors.contact_list(user=request.user, bound=bound)
    page = Paginator(follows, CONTACTS_PER_PAGE).get_page(request.GET.get("page"))
    unbound = selectors.contact_list(user=request.user, bound=False).filter(
        status=ContactFollow.Status.ACTIVE
    )
    return render(
        request,
        "wecom/contacts.html",
        {
            "page": page,
            "bound": bound,
            "unbound_count": unbound.count(),
            "is_rm": role_of(request.user) == Role.RM,
        },
    )


@staff_page(Role.RM, Role.BRANCH_LEAD)
def contact_detail(request: AuthedHttpRequest, external_userid: str) -> HttpResponse:
    follow = selectors.contact_for(request.user, external_userid)
    card = selectors.contact_card(user=request.user, follow=follow)
    return render(
        request,
        "wecom/contacts_card.html",
        {
            "card": card,
            "follow": follow,
            "phone": mask_phone(follow.customer.phone) if follow.customer else "",
            "mobiles": [mask_phone(str(m)) for m in follow.remark_mobiles],
            "can_bind": follow.rm_id == request.user.pk,
        },
    )


@staff_page(Role.RM)
def contact_bind(request: AuthedHttpRequest, external_userid: str) -> HttpResponse:
    """Search the RM's customers, pick one, bind. The search is one swappable template block."""
    follow = selectors.contact_to_bind_for(request.user, external_userid)
    search = CustomerSearchForm(request.GET or None)
    searched = search.is_valid()
    found = selectors.bind_candidates(user=request.user, q=search.cleaned_data["q"]) if searched else []
    form = BindForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = customer_for(request.user, form.cleaned_data["customer"])
        except Http404:
            form.add_error("customer", _("没有这位客户，或不是您管户的客户"))
        else:
            try:
                contact_bind_service(follow=follow, customer=customer, by=request.user)
            except DomainError as error:
                show_error(request, error, form)
            else:
                messages.success(
                    request,
                    _("已绑定到客户 %(name)s（%(no)s）") % {"name": customer.name, "no": customer.cust_no},
                )
                return redirect("wecom:contact", external_userid)
    rows = [{"customer": c, "phone": mask_phone(c.phone)} for c in found]
    return render(
        request,
        "wecom/contacts_bind.html",
        {"follow": follow, "search": search, "form": form, "rows": rows, "searched": searched},
    )
