"""A superuser flag is a deployment matter for the Django admin: it widens no one's scope."""

from __future__ import annotations

from rm_portal.org.access import scope
from rm_portal.org.models import Staff


def test_a_superuser_rm_still_sees_only_their_own_rows(api, rm01a, rm01b, rm02a, lead01):
    rm01a.is_superuser = True
    rm01a.save()
    assert list(scope(rm01a, Staff.objects.all())) == [rm01a.staff]
    # The role walls do not open either: the compliance archive stays closed to an RM.
    client = api(rm01a)
    assert client.get("/api/v1/compliance/alerts/").status_code == 403
    assert client.get("/api/v1/compliance/audit/").status_code == 403


def test_a_superuser_without_a_staff_profile_sees_nothing(db, rm01a, django_user_model):
    root = django_user_model.objects.create_superuser("root", password="root-pass-123")
    assert not scope(root, Staff.objects.all()).exists()
