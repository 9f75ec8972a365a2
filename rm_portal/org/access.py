"""The one access policy: which rows of a model a user may see.

Every list, detail, page and export goes through `scope(user, queryset)`. Models
register how they relate to people (`owner`) and branches (`branch`); the roles
then decide: an RM sees their own rows, a branch lead the branch's, the roles a policy names in
`everything` all of them. A model that never registered is invisible to everybody,
so forgetting to register fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.shortcuts import get_object_or_404

from rm_portal.org.models import Role, Staff

M = TypeVar("M", bound=Model)


Extra = Callable[[User, Staff], "Q | None"]


@dataclass(frozen=True)
class Policy:
    """How one model relates to people and branches; the roles then decide who sees which rows.

    - `owner`: lookup from the model to the owning auth User (an RM sees their own);
    - `branch`: lookup to its Branch (a branch lead sees the branch);
    - `everything`: roles that see every row;
    - `via`: the model is seen exactly as a related row is (`"run"`: an item as its checklist run),
      so a rule written once for the parent holds for its children too;
    - `also`: more rows a person sees beyond the role rule (the members of a branch see the
      branch's shared checklist runs);
    - `actor`: the rows a person may act on as the doer (complete, execute); by default those
      they own. Seeing a row is not enough to work it: a lead sees an RM's opportunity but only
      the assignee completes it.
    """

    owner: str | None = None
    branch: str | None = None
    everything: frozenset[str] = field(default_factory=frozenset)
    via: str | None = None
    also: Extra | None = None
    actor: Extra | None = None


_POLICIES: dict[type[Model], Policy] = {}


def register(model: type[Model], policy: Policy) -> None:
    _POLICIES[model] = policy


def staff_of(user: User | AnonymousUser) -> Staff | None:
    if not user.is_authenticated:
        return None
    try:
        staff = user.staff
    except Staff.DoesNotExist:
        return None
    return staff if staff.active else None


def staff_required(user: User | AnonymousUser) -> Staff:
    """The active staff profile of someone behind a wall that demanded one (`IsActiveStaff`,
    `staff_page`); 403 should the profile have gone inactive in between."""
    staff = staff_of(user)
    if staff is None:
        raise PermissionDenied
    return staff


def role_of(user: User | AnonymousUser) -> str | None:
    staff = staff_of(user)
    return staff.role if staff else None


NOTHING = Q(pk__in=[])


def _prefixed(rule: Q, prefix: str) -> Q:
    """The same rule, applied through a relation: `Q(assignee=1)` via `run` is `Q(run__assignee=1)`."""
    moved = Q()
    moved.connector, moved.negated = rule.connector, rule.negated
    for child in rule.children:
        if isinstance(child, Q):
            moved.children.append(_prefixed(child, prefix))
        else:
            lookup, value = child  # type: ignore[misc]
            moved.children.append((f"{prefix}__{lookup}", value))
    return moved


def _policy(model: type[Model]) -> tuple[Policy, str] | None:
    """The model's policy, following `via` to the row it is seen through, with the lookup prefix."""
    policy, prefix = _POLICIES.get(model), ""
    while policy is not None and policy.via:
        related = model._meta.get_field(policy.via).related_model
        prefix = f"{prefix}__{policy.via}" if prefix else policy.via
        if not isinstance(related, type):
            raise ImproperlyConfigured(f"{model.__name__}.{policy.via} is not a relation to follow")
        model = related
        policy = _POLICIES.get(model)
    return (policy, prefix) if policy is not None else None


def _rule(user: User, staff: Staff, policy: Policy) -> Q | None:
    """The role's filter; None means every row, NOTHING none."""
    if staff.role in policy.everything:
        return None
    if staff.role == Role.BRANCH_LEAD and policy.branch:
        rule = Q(**{policy.branch: staff.branch_id})
    elif policy.owner:
        rule = Q(**{policy.owner: user.pk})
    else:
        rule = NOTHING
    more = policy.also(user, staff) if policy.also else None
    return rule | more if more is not None else rule


def _actor_rule(user: User, staff: Staff, policy: Policy) -> Q:
    if policy.actor is not None:
        return policy.actor(user, staff) or NOTHING
    return Q(**{policy.owner: user.pk}) if policy.owner else NOTHING


def _filtered(
    user: User | AnonymousUser, queryset: QuerySet[M], rule_of: Callable[[User, Staff, Policy], Q | None]
) -> QuerySet[M]:
    """`queryset` narrowed by one of the policy's rules; nothing for the anonymous, the inactive
    and models that never registered."""
    found = _policy(queryset.model)
    staff = staff_of(user)
    if found is None or staff is None:
        return queryset.none()
    policy, prefix = found
    rule = rule_of(staff.user, staff, policy)  # staff.user is `user`, now known to be signed in
    if rule is None:
        return queryset
    return queryset.filter(_prefixed(rule, prefix) if prefix else rule)


def scope(user: User | AnonymousUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of `queryset` the user may see. Every list, detail, page and export goes through it."""
    return _filtered(user, queryset, _rule)


def actionable(user: User | AnonymousUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows the user may act on as the doer: within what they see, and theirs to work."""
    return _filtered(user, scope(user, queryset), _actor_rule)


def get_scoped_or_404(user: User | AnonymousUser, queryset: QuerySet[M], **lookup: object) -> M:
    """The same 404 for a row that does not exist and for one the user may not see."""
    return get_object_or_404(scope(user, queryset), **lookup)


def get_actionable_or_404(user: User | AnonymousUser, queryset: QuerySet[M], **lookup: object) -> M:
    """The same 404 for a row the user may not work as for one that does not exist."""
    return get_object_or_404(actionable(user, queryset), **lookup)


register(Staff, Policy(owner="user", branch="branch", everything=frozenset({Role.HEAD_OFFICE})))
