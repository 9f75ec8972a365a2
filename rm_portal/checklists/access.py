"""Who sees and who works checklist runs, registered with the one access policy.

An RM sees their own runs, a branch lead the branch's, head office every branch's; beyond that,
the assignee-role members of a branch see its shared (per-branch) runs (`also`). Working a run
(completing its items) is for its assignee, or for such a member on a branch run (`actor`): a
lead who only sees an RM's run may not tick it off. Items and audits are seen as their run is.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Q

from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunAudit, RunItem
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role, Staff

HQ = frozenset({Role.HEAD_OFFICE})


def branch_runs_of_members(user: User, staff: Staff) -> Q | None:
    """The branch runs of the person's branch whose template has the person's role among its roles."""
    if staff.branch_id is None:
        return None
    branch_templates = ChecklistTemplate.objects.filter(scope=ChecklistTemplate.Scope.BRANCH)
    # Roles are a JSON list (no `contains` on SQLite); the templates are few.
    ids = [pk for pk, roles in branch_templates.values_list("id", "roles") if staff.role in roles]
    if not ids:
        return None
    return Q(per_branch=True, branch_id=staff.branch_id, template_id__in=ids)


def run_workers(user: User, staff: Staff) -> Q:
    """The runs a person completes: their own, and their branch's branch runs as a member."""
    members = branch_runs_of_members(user, staff)
    return Q(assignee=user) | members if members is not None else Q(assignee=user)


register(
    ChecklistRun,
    Policy(owner="assignee", branch="branch", everything=HQ, also=branch_runs_of_members, actor=run_workers),
)
register(RunItem, Policy(via="run"))
register(RunAudit, Policy(via="run"))
