"""The one access policy, exercised on staff profiles (the only scoped model of the foundation)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.http import Http404

from rm_portal.org.access import get_scoped_or_404, scope
from rm_portal.org.models import Staff


def names(user) -> set[str]:
    return set(scope(user, Staff.objects.all()).values_list("user__username", flat=True))


@pytest.fixture
def everyone(rm01a, rm01b, rm02a, lead01, lead02, hq_admin, compliance):
    return None


def test_an_rm_sees_only_themself(everyone, rm01a):
    assert names(rm01a) == {"rm01a"}


def test_a_branch_lead_sees_their_branch_only(everyone, lead01):
    assert names(lead01) == {"lead01", "rm01a", "rm01b"}


def test_head_office_sees_everybody(everyone, hq_admin):
    assert len(names(hq_admin)) == 7


def test_compliance_is_not_given_the_staff_directory(everyone, compliance):
    assert names(compliance) == {"compliance"}


def test_anonymous_and_inactive_people_see_nothing(everyone, rm01a):
    assert names(AnonymousUser()) == set()
    Staff.objects.filter(user=rm01a).update(active=False)
    assert names(User.objects.get(pk=rm01a.pk)) == set()


def test_a_model_that_never_registered_is_invisible_to_all(everyone, hq_admin):
    assert scope(hq_admin, Group.objects.all()).count() == 0


class SaysYesToEveryObject:
    """An authentication backend granting every object permission to everybody."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return obj is not None


def test_a_model_wide_or_object_permission_never_widens_scope(everyone, rm01a, rm02a, settings):
    from django.contrib.auth.models import Permission

    rm01a.user_permissions.add(Permission.objects.get(codename="view_staff"))
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        f"{__name__}.{SaysYesToEveryObject.__name__}",
    ]
    rm01a = User.objects.get(pk=rm01a.pk)  # no cached permissions
    assert rm01a.has_perm("org.view_staff")
    assert rm01a.has_perm("org.view_staff", rm02a.staff)
    # Only the role rule of the policy decides who sees which rows.
    assert names(rm01a) == {"rm01a"}


def test_missing_and_not_yours_are_the_same_404(everyone, rm01a, rm02a):
    with pytest.raises(Http404):
        get_scoped_or_404(rm01a, Staff.objects.all(), user__username="rm02a")
    with pytest.raises(Http404):
        get_scoped_or_404(rm01a, Staff.objects.all(), user__username="nobody")
