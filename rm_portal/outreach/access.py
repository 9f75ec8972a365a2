from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role
from rm_portal.outreach.models import OutreachTask

# The creator sees their own tasks, a lead the branch's, head office and compliance (the approval
# queue, the archive) every task.
register(
    OutreachTask,
    Policy(owner="created_by", branch="branch", everything=frozenset({Role.HEAD_OFFICE, Role.COMPLIANCE})),
)
