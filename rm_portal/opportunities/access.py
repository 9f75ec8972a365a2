"""Who sees and who works an opportunity, and who reads the rules: the app's entries in the one policy."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q

from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role, Staff


def _worker(user: User, staff: Staff) -> Q:
    """Only the assignee works an opportunity; the ownerless queue of a branch is its lead's.
    A lead sees the branch's RMs' opportunities, but does not complete them for them."""
    mine = Q(assignee=user.pk)
    if staff.role == Role.BRANCH_LEAD:
        return mine | Q(assignee=None, branch=staff.branch_id)
    return mine


# An RM sees what is assigned to them, a branch lead the branch (its ownerless queue too),
# head office everything.
register(
    Opportunity,
    Policy(owner="assignee", branch="branch", everything=frozenset({Role.HEAD_OFFICE}), actor=_worker),
)

# The rules are the bank's configuration: every active staff member reads them (head office writes,
# by the endpoint's role wall).
register(OpportunityRule, Policy(everything=frozenset(Role.values)))
