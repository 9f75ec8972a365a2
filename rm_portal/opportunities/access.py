from rm_portal.opportunities.models import Opportunity
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role

# An RM sees what is assigned to them, a branch lead the branch (its ownerless queue too),
# head office everything.
register(Opportunity, Policy(owner="assignee", branch="branch", everything=frozenset({Role.HEAD_OFFICE})))
