"""What a person does from a portrait: the access log, a call through a logged reveal, a note."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from rm_portal.core.errors import Conflict, Invalid
from rm_portal.customers.models import Customer, PortraitAccess, TimelineEvent
from rm_portal.customers.phones import tel_url
from rm_portal.customers.services import timeline_record

# Long enough for a visit report; past it the note is a 400 naming the limit, nothing stored.
NOTE_MAX_CHARS = 10_000
NOTE_TITLE_CHARS = 60


def portrait_access_record(
    *, user: User, customer: Customer, action: str = PortraitAccess.Action.VIEW
) -> None:
    """Every portrait view and every identity reveal leaves a row: who, which customer, when."""
    PortraitAccess.objects.create(user=user, customer=customer, action=action)


@transaction.atomic
def customer_call(*, customer: Customer, by: User) -> str:
    """The owner calls from the portrait: the full number leaves the server only here, as the
    `tel:` URL the page redirects to; the reveal is logged and the call lands on the timeline."""
    if not customer.phone.strip():
        raise Conflict(_("客户没有登记手机号"))
    portrait_access_record(user=by, customer=customer, action=PortraitAccess.Action.REVEAL)
    timeline_record(customer=customer, kind="call", title=_("拨打电话"), actor=by)
    return tel_url(customer.phone)


@transaction.atomic
def customer_note_add(*, customer: Customer, by: User, text: str) -> TimelineEvent:
    """A follow-up note (跟进记录) on the timeline. Stored as the text typed (HTML too: pages
    escape it on the way out); the title is its first line, shortened."""
    text = text.strip()
    if not text:
        raise Invalid(fields={"text": _("请填写跟进内容")})
    if len(text) > NOTE_MAX_CHARS:
        raise Invalid(
            fields={
                "text": _("跟进记录最多 %(max)s 字（现在 %(n)s 字）")
                % {"max": f"{NOTE_MAX_CHARS:,}", "n": f"{len(text):,}"}
            }
        )
    first = text.splitlines()[0]
    short = first if len(first) <= NOTE_TITLE_CHARS else first[:NOTE_TITLE_CHARS] + "…"
    return timeline_record(
        customer=customer,
        kind="note",
        title=_("跟进记录：%(text)s") % {"text": short},
        actor=by,
        detail={"text": text},
    )
