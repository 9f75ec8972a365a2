from __future__ import annotations

import re

from rm_portal.notifications.models import Notification
from rm_portal.notifications.services import notify


def tab_keys(html: str) -> list[str]:
    return re.findall(r'data-tab="([a-z0-9_]+)"', html)


def test_the_login_page_is_chinese_by_default_even_for_an_english_browser(client, db):
    r = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = r.content.decode()
    assert r.status_code == 200
    assert "员工登录" in html and 'lang="zh-CN"' in html
    assert 'name="viewport"' in html


def test_anonymous_visitors_are_sent_to_login(client, db):
    r = client.get("/")
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/?next=/")


def test_login_lands_on_today_with_the_persons_name(client, rm01a, password):
    r = client.post("/accounts/login/", {"username": "rm01a", "password": password}, follow=True)
    html = r.content.decode()
    assert r.redirect_chain[-1][0] == "/"
    assert "张晓明，您好" in html
    assert "城东支行" in html


def test_a_wrong_password_stays_on_login_with_a_message(client, rm01a):
    r = client.post("/accounts/login/", {"username": "rm01a", "password": "wrong-one"})
    assert r.status_code == 200
    assert 'role="alert"' in r.content.decode()


def test_repeated_failures_lock_the_login_page_with_a_clear_message(client, rm01a, password, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        r = client.post("/accounts/login/", {"username": "rm01a", "password": "wrong-one"})
    assert r.status_code == 429
    assert "账户已临时锁定" in r.content.decode()
    r = client.post("/accounts/login/", {"username": "rm01a", "password": password})
    assert r.status_code == 429


def test_each_role_gets_its_own_tabs(client, rm01a, compliance, password):
    client.force_login(rm01a)
    rm_tabs = tab_keys(client.get("/").content.decode())
    assert rm_tabs[0] == "today" and rm_tabs[-1] == "me" and "materials" in rm_tabs
    assert len(rm_tabs) <= 5
    client.force_login(compliance)
    assert "today" in tab_keys(client.get("/").content.decode())


def test_tabs_beyond_the_bar_overflow_to_the_me_page(client, rm01a, monkeypatch):
    from rm_portal.org.models import Role
    from rm_portal.web import nav

    monkeypatch.setattr(nav, "_TABS", {role: list(tabs) for role, tabs in nav._TABS.items()})
    for i in range(6):
        nav.add([Role.RM], nav.Tab(f"extra{i}", f"功能{i}", "web:notifications", "·", 50 + i))
    client.force_login(rm01a)
    bar = tab_keys(client.get("/").content.decode())
    assert len(bar) == 5 and bar[-1] == "me"
    me_page = client.get("/me/").content.decode()
    assert 'data-more="extra5"' in me_page
    assert not set(bar) & set(re.findall(r'data-more="([a-z0-9_]+)"', me_page))


def test_english_can_be_chosen_and_sticks(client, rm01a):
    client.force_login(rm01a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert 'lang="en"' in html
    assert "Today" in html and "Hello" in html


def test_notifications_page_opens_and_marks_read(client, rm01a):
    (n,) = notify(recipients=[rm01a], kind="test", title="晨会提醒", link="/me/")
    client.force_login(rm01a)
    page = client.get("/notifications/").content.decode()
    assert "晨会提醒" in page and 'data-testid="unread">1<' in page
    r = client.post(f"/notifications/{n.pk}/open/")
    assert r["Location"] == "/me/"
    assert Notification.objects.get(pk=n.pk).read_at is not None


def test_opening_someone_elses_notification_is_a_404(client, rm01a, rm02a):
    (n,) = notify(recipients=[rm02a], kind="test", title="别人的")
    client.force_login(rm01a)
    assert client.post(f"/notifications/{n.pk}/open/").status_code == 404


def test_an_external_link_in_a_notification_is_not_followed(client, rm01a):
    (n,) = notify(recipients=[rm01a], kind="test", title="钓鱼", link="https://evil.example/")
    client.force_login(rm01a)
    assert client.post(f"/notifications/{n.pk}/open/")["Location"] == "/notifications/"


def test_a_user_without_staff_profile_gets_403_page(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("outsider", password="x-long-pass"))
    r = client.get("/")
    assert r.status_code == 403
    assert "无权访问" in r.content.decode()


def test_me_page_and_logout(client, rm01a):
    client.force_login(rm01a)
    assert "B01" in client.get("/me/").content.decode()
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_head_office_can_open_the_admin(client, hq_admin):
    from rm_portal.org.services import head_office_group

    hq_admin.is_staff = True
    hq_admin.save()
    hq_admin.groups.add(head_office_group())
    client.force_login(hq_admin)
    assert client.get("/admin/org/staff/").status_code == 200
