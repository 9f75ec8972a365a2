"""The handlers of WeCom's customer-contact events (客户变更事件), registered with `events.handles`.

Each reads the event's fields and calls one service of `contacts.py`; whatever WeCom refuses or
fails to answer is raised, so the event's task retries it and records the errcode at the end."""

from __future__ import annotations

from rm_portal.wecom import contacts
from rm_portal.wecom.events import handles
from rm_portal.wecom.models import CallbackEvent

EVENT = "change_external_contact"


def _field(event: CallbackEvent, name: str) -> str:
    value = event.fields.get(name)
    return value.strip() if isinstance(value, str) else ""


def _ids(event: CallbackEvent) -> tuple[str, str]:
    return _field(event, "UserID"), _field(event, "ExternalUserID")


@handles(EVENT, "add_external_contact")
def contact_added(event: CallbackEvent) -> None:
    userid, external_userid = _ids(event)
    if userid and external_userid:
        contacts.contact_added(
            userid=userid,
            external_userid=external_userid,
            state=_field(event, "State"),
            welcome_code=_field(event, "WelcomeCode"),
        )


@handles(EVENT, "edit_external_contact")
def contact_edited(event: CallbackEvent) -> None:
    userid, external_userid = _ids(event)
    if userid and external_userid:
        contacts.contact_edited(userid=userid, external_userid=external_userid)


@handles(EVENT, "del_follow_user")
def contact_lost(event: CallbackEvent) -> None:
    userid, external_userid = _ids(event)
    if userid and external_userid:
        contacts.contact_lost(userid=userid, external_userid=external_userid)


@handles(EVENT, "del_external_contact")
def contact_removed(event: CallbackEvent) -> None:
    userid, external_userid = _ids(event)
    if userid and external_userid:
        contacts.contact_removed(userid=userid, external_userid=external_userid)


@handles(EVENT, "transfer_fail")
def contact_transfer_failed(event: CallbackEvent) -> None:
    # transfer_fail's UserID is the takeover: the relation that stayed is the other RM's.
    userid, external_userid = _ids(event)
    if external_userid:
        contacts.contact_transfer_fail_record(
            external_userid=external_userid,
            reason=_field(event, "FailReason"),
            takeover_userid=userid,
        )
