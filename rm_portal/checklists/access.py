from rm_portal.checklists.models import ChecklistRun, RunAudit, RunItem
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role

# DESIGN §2: an RM their own runs, a branch lead the branch's, head office every branch's.
HQ = frozenset({Role.HEAD_OFFICE})
register(ChecklistRun, Policy(owner="assignee", branch="branch", everything=HQ))
register(RunItem, Policy(owner="run__assignee", branch="run__branch", everything=HQ))
register(RunAudit, Policy(owner="run__assignee", branch="run__branch", everything=HQ))
