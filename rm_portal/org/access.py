"""The one access policy: which rows of a model a user may see.

Every list, detail, page and export goes through `scope(user, queryset)`. Models
register how they relate to people (`owner`) and branches (`branch`); the roles of
DESIGN §2 then decide. A model that never registered is invisible to everybody,
so forgetting to register fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from rm_portal.org.models import Role, Staff

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Policy:
    owner: str | None = None  # lookup from the model to the owning auth User
    branch: str | None = None  # lookup from the model to its Branch
    everything: frozenset[str] = field(default_factory=frozenset)  # roles that see every row
    # Rows granted one by one with django-guardian's view permission (a colleague covering
    # for an RM on leave, say) are added to what the role rule gives.
    object_grants: bool = False


_POLICIES: dict[type[Model], Policy] = {}


def register(model: type[Model], policy: Policy) -> None:
    _POLICIES[model] = policy


def policy_for(model: type[Model]) -> Policy | None:
    return _POLICIES.get(model)


def staff_of(user: User | AnonymousUser) -> Staff | None:
    if not user.is_authenticated:
        return None
    try:
        staff = user.staff
    except Staff.DoesNotExist:
        return None
    return staff if staff.active else None


def role_of(user: User | AnonymousUser) -> str | None:
    staff = staff_of(user)
    return staff.role if staff else None


def _rule(user: User, staff: Staff, policy: Policy) -> Q | None:
    """The role's filter; None means every row, Q(pk__in=[]) none."""
    if staff.role in policy.everything:
        return None
    if staff.role == Role.BRANCH_LEAD and policy.branch:
        return Q(**{policy.branch: staff.branch_id})
    if policy.owner:
        return Q(**{policy.owner: user.pk})
    return Q(pk__in=[])


def scope(user: User | AnonymousUser, queryset: QuerySet[M]) -> QuerySet[M]:
    policy = _POLICIES.get(queryset.model)
    staff = staff_of(user)
    if policy is None or staff is None:
        return queryset.none()
    rule = _rule(user, staff, policy)
    if rule is None:
        return queryset
    if policy.object_grants:
        from guardian.shortcuts import get_objects_for_user

        meta = queryset.model._meta
        granted = get_objects_for_user(
            user, f"{meta.app_label}.view_{meta.model_name}", klass=queryset.model, accept_global_perms=False
        )
        rule |= Q(pk__in=granted.values("pk"))
    return queryset.filter(rule)


def get_scoped_or_404(user: User | AnonymousUser, queryset: QuerySet[M], **lookup: object) -> M:
    """The same 404 for a row that does not exist and for one the user may not see."""
    return get_object_or_404(scope(user, queryset), **lookup)


register(
    Staff, Policy(owner="user", branch="branch", everything=frozenset({Role.HEAD_OFFICE}), object_grants=True)
)
