"""A new password signs out every other device: API tokens deleted, other web sessions ended.
And a password the validators refuse (all digits, too common, too short) is never set."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from rm_portal.core.errors import Invalid
from rm_portal.org.models import Role, StaffChange
from rm_portal.org.services import head_office_group, staff_create, staff_password_set
from rm_portal.org.tokens import token_issue

NEW_PASSWORD = "another-good-passphrase"


def test_the_service_deletes_tokens_and_ends_other_web_sessions(api, rm01a, password):
    phone = api(rm01a)
    browser = Client()
    assert browser.post("/accounts/login/", {"username": "rm01a", "password": password}).status_code == 302
    assert browser.get("/").status_code == 200
    staff_password_set(user=rm01a, password=NEW_PASSWORD, by=rm01a)
    assert not Token.objects.filter(user=rm01a).exists()
    assert phone.get("/api/v1/me/").status_code == 401
    assert browser.get("/").status_code == 302  # back to the login page
    assert StaffChange.objects.get().what == StaffChange.What.PASSWORD


def test_ones_own_password_change_in_the_admin_signs_out_the_phone(client, api, hq_admin, password):
    hq_admin.is_staff = True
    hq_admin.save()
    hq_admin.groups.add(head_office_group())
    phone = api(hq_admin)
    client.force_login(hq_admin)
    r = client.post(
        "/admin/password_change/",
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    hq_admin.refresh_from_db()
    assert hq_admin.check_password(NEW_PASSWORD)
    assert phone.get("/api/v1/me/").status_code == 401
    assert client.get("/admin/").status_code == 200  # the session that changed it stays signed in
    change = StaffChange.objects.get()
    assert (change.by, change.whom) == (hq_admin, hq_admin)


def test_the_admin_password_page_needs_an_admin_login(client, rm01a):
    client.force_login(rm01a)  # not is_staff
    assert client.get("/admin/password_change/").status_code == 302


def test_a_superusers_reset_of_another_password_deletes_their_tokens(client, django_user_model, rm01a):
    token_issue(user=rm01a)
    client.force_login(django_user_model.objects.create_superuser("root", password="root-pass-123"))
    r = client.post(
        f"/admin/auth/user/{rm01a.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert r.status_code == 302
    assert not Token.objects.filter(user=rm01a).exists()


@pytest.mark.parametrize("weak", ["20240618093015", "12345678", "password"])
def test_staff_create_refuses_a_weak_password(b01, weak):
    with pytest.raises(Invalid) as refused:
        staff_create(username="rm_new", password=weak, role=Role.RM, branch=b01, employee_no="X", name="新")
    assert "password" in refused.value.fields


def test_an_all_digit_password_is_refused_in_the_admin(client, django_user_model, b01):
    client.force_login(django_user_model.objects.create_superuser("root", password="root-pass-123"))
    r = client.post(
        "/admin/org/staff/add/",
        {
            "username": "rm_digits",
            "password": "20240618093015",
            "role": Role.RM,
            "branch": b01.pk,
            "employee_no": "B019999",
            "name": "新同事",
            "title": "",
            "phone": "",
            "wechat_id": "",
        },
    )
    assert r.status_code == 200
    assert "password" in r.context["adminform"].form.errors
    assert not django_user_model.objects.filter(username="rm_digits").exists()


def test_the_service_refuses_an_all_digit_new_password(rm01a, password):
    with pytest.raises(Invalid):
        staff_password_set(user=rm01a, password="20240618093015", by=rm01a)
    rm01a.refresh_from_db()
    assert rm01a.check_password(password)


def test_a_too_short_password_is_refused_in_chinese(b01):
    with pytest.raises(Invalid) as refused:
        staff_create(
            username="rm09z", password="a1b2", name="新人", role=Role.RM, branch=b01, employee_no="R09Z"
        )
    assert "密码太短：至少需要 8 个字符。" in refused.value.fields["password"]
