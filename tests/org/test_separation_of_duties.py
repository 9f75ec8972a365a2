"""Head office runs the bank's people, not the people who watch them: through the real admin
views, none of the four ways it once had to take over compliance works, and nothing changes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from rest_framework.authtoken.models import Token

from rm_portal.core.errors import NotAllowed
from rm_portal.org.models import Role, Staff, StaffChange
from rm_portal.org.services import head_office_group, staff_create, staff_password_set, staff_role_set
from rm_portal.org.tokens import token_issue

NEW_PASSWORD = "another-good-passphrase"


@pytest.fixture
def hq_client(client, hq_admin):
    """Head office as staff_create makes it: admin access through its group, no superuser."""
    hq_admin.is_staff = True
    hq_admin.save()
    hq_admin.groups.add(head_office_group())
    client.force_login(hq_admin)
    return client


def user_form(user: User, **extra: object) -> dict[str, object]:
    return {"username": user.username, "first_name": "", "last_name": "", "email": "", **extra}


def test_head_office_cannot_make_itself_superuser_or_grant_itself_permissions(hq_client, hq_admin):
    archive = Permission.objects.filter(content_type__app_label="compliance")
    r = hq_client.post(
        f"/admin/auth/user/{hq_admin.pk}/change/",
        user_form(
            hq_admin,
            first_name="周",
            is_superuser="on",
            is_staff="on",
            is_active="on",
            user_permissions=[p.pk for p in archive],
        ),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    hq_admin.refresh_from_db()
    assert hq_admin.first_name == "周"  # the name is hers to edit
    assert not hq_admin.is_superuser
    assert not hq_admin.user_permissions.exists()
    assert not hq_admin.has_perm("compliance.view_message")


def test_head_office_cannot_create_a_compliance_or_gateway_account(hq_client, hq):
    for role in (Role.COMPLIANCE, Role.GATEWAY):
        r = hq_client.post(
            "/admin/org/staff/add/",
            {
                "username": f"new_{role}",
                "password": "a-good-password",
                "role": role,
                "branch": hq.pk,
                "employee_no": f"H9{role}",
                "name": "冒名",
                "title": "",
                "phone": "",
                "wechat_id": "",
            },
        )
        assert r.status_code == 200  # the form again, with the role refused
        assert "role" in r.context["adminform"].form.errors
    assert not User.objects.filter(username__startswith="new_").exists()
    assert not StaffChange.objects.exists()


def test_head_office_cannot_switch_anyone_to_the_gateway_role(hq_client, hq_admin, rm01a, compliance):
    staff = rm01a.staff
    r = hq_client.post(
        f"/admin/org/staff/{staff.pk}/change/",
        {
            "branch": staff.branch_id,
            "employee_no": staff.employee_no,
            "name": staff.name,
            "title": "",
            "phone": "",
            "wechat_id": "",
            "role": Role.GATEWAY,
        },
    )
    assert r.status_code == 302
    assert Staff.objects.get(pk=staff.pk).role == Role.RM
    # A compliance profile is not even editable by head office.
    officer = compliance.staff
    r = hq_client.post(
        f"/admin/org/staff/{officer.pk}/change/",
        {"branch": officer.branch_id, "employee_no": officer.employee_no, "name": "改名", "role": "gateway"},
    )
    assert r.status_code == 403
    officer.refresh_from_db()
    assert (officer.name, officer.role) == ("赵合规", Role.COMPLIANCE)
    # Nor through the service.
    with pytest.raises(NotAllowed):
        staff_role_set(staff=staff, role=Role.GATEWAY, by=hq_admin)
    with pytest.raises(NotAllowed):
        staff_role_set(staff=officer, role=Role.RM, by=hq_admin)
    assert not StaffChange.objects.exists()


def test_head_office_cannot_reset_the_compliance_officers_password(hq_client, compliance, password):
    r = hq_client.post(
        f"/admin/auth/user/{compliance.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    assert r.status_code in (403, 404)
    compliance.refresh_from_db()
    assert compliance.check_password(password)
    assert not StaffChange.objects.exists()
    # Nor does the User admin list or open the account.
    assert "compliance" not in hq_client.get("/admin/auth/user/").content.decode()
    assert hq_client.get(f"/admin/auth/user/{compliance.pk}/change/").status_code == 302  # "not found"


def test_head_office_cannot_deactivate_compliance_from_the_admin(hq_client, compliance):
    r = hq_client.post(
        "/admin/org/staff/", {"action": "deactivate", "_selected_action": [compliance.staff.pk]}
    )
    assert r.status_code == 302
    assert Staff.objects.get(pk=compliance.staff.pk).active is True
    assert User.objects.get(pk=compliance.pk).is_active is True


def test_head_office_resets_an_rms_password_with_an_audit_row_and_their_devices_signed_out(
    hq_client, hq_admin, rm01a
):
    token_issue(user=rm01a)
    r = hq_client.post(
        f"/admin/auth/user/{rm01a.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    rm01a.refresh_from_db()
    assert rm01a.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(user=rm01a).exists()
    change = StaffChange.objects.get()
    assert (change.by, change.whom, change.what) == (hq_admin, rm01a, StaffChange.What.PASSWORD)


def test_a_superuser_sets_up_compliance_and_the_audit_says_who(client, hq):
    root = User.objects.create_superuser("root", password="root-pass-123")
    client.force_login(root)
    r = client.post(
        "/admin/org/staff/add/",
        {
            "username": "officer2",
            "password": "a-good-password",
            "role": Role.COMPLIANCE,
            "branch": hq.pk,
            "employee_no": "H0102",
            "name": "新合规",
            "title": "",
            "phone": "",
            "wechat_id": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    change = StaffChange.objects.get()
    assert (change.by, change.whom.username, change.what, change.after) == (
        root,
        "officer2",
        "created",
        "compliance",
    )


def test_nobody_is_made_superuser_or_given_groups_from_the_app(client, db):
    root = User.objects.create_superuser("root", password="root-pass-123")
    other = User.objects.create_user("other", password="other-pass-123")
    client.force_login(root)
    r = client.post(
        f"/admin/auth/user/{other.pk}/change/", user_form(other, is_superuser="on", is_staff="on")
    )
    assert r.status_code == 302
    other.refresh_from_db()
    assert not other.is_superuser and not other.is_staff


def test_the_audit_trail_is_read_only(hq_client, client, rm01a):
    staff_password_set(user=rm01a, password=NEW_PASSWORD, by=None)
    change = StaffChange.objects.get()
    assert hq_client.get("/admin/org/staffchange/").status_code == 200
    assert hq_client.get("/admin/org/staffchange/add/").status_code == 403
    assert hq_client.post(f"/admin/org/staffchange/{change.pk}/delete/").status_code == 403
    with pytest.raises(ValueError, match="append-only"):
        change.save()
    with pytest.raises(ValueError, match="append-only"):
        change.delete()


def test_head_office_group_grants_nothing_over_rights(db):
    codenames = set(head_office_group().permissions.values_list("content_type__app_label", "codename"))
    for forbidden in ("add_user", "delete_user", "change_group", "add_permission", "change_permission"):
        assert ("auth", forbidden) not in codenames
    assert ("org", "delete_staffchange") not in codenames
    assert ("auth", "change_user") in codenames and ("org", "add_staff") in codenames


def test_role_change_is_audited_and_moves_admin_access(db, hq_admin, rm01a):
    staff = staff_role_set(staff=rm01a.staff, role=Role.HEAD_OFFICE, by=hq_admin)
    rm01a.refresh_from_db()
    assert staff.role == Role.HEAD_OFFICE and rm01a.is_staff
    change = StaffChange.objects.get()
    assert (change.by, change.what, change.before, change.after) == (hq_admin, "role", "rm", "head_office")


def test_staff_create_from_the_command_line_is_audited_without_a_person(b01):
    staff = staff_create(
        username="rm_cli", password="a-good-password", role=Role.RM, branch=b01, employee_no="X1", name="新"
    )
    change = StaffChange.objects.get()
    assert (change.by, change.whom, change.what) == (None, staff.user, "created")
