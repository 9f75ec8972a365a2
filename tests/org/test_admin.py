"""The admin is not a second write path: head office's edits go through the org services."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from rm_portal.org.models import Branch, Staff
from rm_portal.org.services import HEAD_OFFICE_GROUP
from rm_portal.org.tokens import token_issue


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", password="root-pass-123"))
    return client


def test_deactivating_in_the_admin_is_staff_deactivate(superuser_client, rm01a):
    token_issue(user=rm01a)
    r = superuser_client.post(
        "/admin/org/staff/",
        {"action": "deactivate", "_selected_action": [rm01a.staff.pk]},
    )
    assert r.status_code == 302
    assert Staff.objects.get(pk=rm01a.staff.pk).active is False
    assert User.objects.get(pk=rm01a.pk).is_active is False
    assert not Token.objects.filter(user=rm01a).exists()


def test_the_change_form_cannot_flip_active_or_role(superuser_client, rm01a):
    staff = rm01a.staff
    r = superuser_client.post(
        f"/admin/org/staff/{staff.pk}/change/",
        {
            "branch": staff.branch_id,
            "employee_no": staff.employee_no,
            "name": "张晓明（改）",
            "title": "",
            "phone": "",
            "wechat_id": "",
            "active": "",
            "role": "head_office",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    staff.refresh_from_db()
    assert (staff.name, staff.active, staff.role) == ("张晓明（改）", True, "rm")


def test_adding_a_person_in_the_admin_is_staff_create(superuser_client, hq):
    r = superuser_client.post(
        "/admin/org/staff/add/",
        {
            "username": "hq_new",
            "password": "a-good-password",
            "role": "head_office",
            "branch": hq.pk,
            "employee_no": "H0999",
            "name": "新同事",
            "title": "",
            "phone": "",
            "wechat_id": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    user = User.objects.get(username="hq_new")
    assert user.check_password("a-good-password")
    # What staff_create does beyond the row: head office gets admin access through its group.
    assert user.is_staff and user.groups.filter(name=HEAD_OFFICE_GROUP).exists()
    assert user.staff.employee_no == "H0999"


def test_people_and_branches_are_not_deleted_in_the_admin(superuser_client, rm01a):
    assert superuser_client.get(f"/admin/org/staff/{rm01a.staff.pk}/delete/").status_code == 403
    branch = Branch.objects.get(code="B01")
    assert superuser_client.get(f"/admin/org/branch/{branch.pk}/delete/").status_code == 403


def test_renaming_a_branch_goes_through_branch_upsert(superuser_client, b01):
    r = superuser_client.post(f"/admin/org/branch/{b01.pk}/change/", {"name": "城东支行（新）"})
    assert r.status_code == 302
    assert Branch.objects.get(code="B01").name == "城东支行（新）"
    assert Branch.objects.count() == 1


def test_notifications_are_read_only_in_the_admin(superuser_client, db):
    assert superuser_client.get("/admin/notifications/notification/add/").status_code == 403
    assert superuser_client.get("/admin/notifications/delivery/").status_code == 200
