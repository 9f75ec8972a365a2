from __future__ import annotations

from django.http import HttpRequest

from rm_portal.notifications.selectors import unread_count
from rm_portal.org.access import staff_of
from rm_portal.web.nav import bar_and_more


def shell(request: HttpRequest) -> dict[str, object]:
    """What the page shell needs: who is signed in, their tabs, their unread count."""
    staff = staff_of(request.user) if hasattr(request, "user") else None
    if staff is None:
        return {"staff": None, "tabs": [], "more_tabs": [], "unread": 0}
    tabs, more = bar_and_more(staff.role)
    return {"staff": staff, "tabs": tabs, "more_tabs": more, "unread": unread_count(user=staff.user)}
