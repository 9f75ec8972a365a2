"""Role walls: a whole endpoint outside the caller's role answers 403 (the roles are `org.models.Role`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from rm_portal.org.access import role_of
from rm_portal.org.models import Role


class IsActiveStaff(BasePermission):
    """Signed in, with an active staff profile. Unauthenticated requests get 401 first."""

    message = gettext_lazy("您的账号未开通客户经理工作台")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and role_of(request.user))


class _HasRole(IsActiveStaff):
    roles: frozenset[str] = frozenset()
    message = gettext_lazy("您的角色无权访问该功能")

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in self.roles


def roles(*allowed: Role) -> type[BasePermission]:
    """A permission class for the named roles, e.g. `permission_classes = [roles(Role.RM)]`."""
    names = frozenset(r.value for r in allowed)
    label = "Or".join(r.name.title().replace("_", "") for r in allowed)
    return type(f"Is{label}", (_HasRole,), {"roles": names})


IsRM = roles(Role.RM)
IsBranchLead = roles(Role.BRANCH_LEAD)
IsCompliance = roles(Role.COMPLIANCE)
IsHeadOffice = roles(Role.HEAD_OFFICE)
IsGateway = roles(Role.GATEWAY)


class ReadAllWriteRoles(BasePermission):
    """GET for every active staff member; writes only for `write_roles` (set by `read_all_write`)."""

    write_roles: frozenset[str] = frozenset()
    message = gettext_lazy("您的角色无权修改该内容")

    def has_permission(self, request, view) -> bool:
        role = role_of(request.user)
        if role is None:
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return role in self.write_roles


def read_all_write(*allowed: Role) -> type[BasePermission]:
    names = frozenset(r.value for r in allowed)
    return type("ReadAllWrite", (ReadAllWriteRoles,), {"write_roles": names})
