"""Bottom navigation per role. Apps add their tabs with `add`; a tab whose URL does not
resolve (its app not built yet) is left out rather than shown as a dead link.

A phone's bottom bar holds five tabs: the first four by `order`, then 我的. Tabs beyond
that are listed on the 我的 page, so adding an app never squeezes the bar unreadable.
Messages live in the top bar (a bell with the unread count), not in a tab."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rm_portal.org.models import Role


@dataclass(frozen=True)
class Tab:
    key: str
    label: str | Promise
    url_name: str
    icon: str  # a short glyph drawn in CSS; no icon font to download
    order: int


_TABS: dict[str, list[Tab]] = {role.value: [] for role in Role}


def add(roles: list[Role], tab: Tab) -> None:
    for role in roles:
        tabs = [t for t in _TABS[role.value] if t.key != tab.key]
        _TABS[role.value] = sorted([*tabs, tab], key=lambda t: t.order)


BAR_SIZE = 5


def tabs_for(role: str | None) -> list[dict[str, str]]:
    result = []
    for tab in _TABS.get(role or "", []):
        try:
            url = reverse(tab.url_name)
        except NoReverseMatch:
            continue
        result.append({"key": tab.key, "label": str(tab.label), "url": url, "icon": tab.icon})
    return result


PEOPLE = [Role.RM, Role.BRANCH_LEAD, Role.COMPLIANCE, Role.HEAD_OFFICE]
add(PEOPLE, Tab("today", _("今日"), "web:today", "◎", 0))
add(PEOPLE, Tab("me", _("我的"), "web:me", "☺", 90))


def bar_and_more(role: str | None) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The tabs shown in the bottom bar, and the ones that overflow to the 我的 page."""
    tabs = tabs_for(role)
    me = [t for t in tabs if t["key"] == "me"]
    others = [t for t in tabs if t["key"] != "me"]
    room = BAR_SIZE - len(me)
    return others[:room] + me, others[room:]


def shell_tabs() -> list[dict[str, str]]:
    """The tabs every role has (今日, 我的), for a page drawn without knowing who is asking: the
    500 page, which must not touch the database that may be what failed."""
    return [t for t in tabs_for(Role.RM.value) if t["key"] in ("today", "me")]
