from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role
from rm_portal.wecom.models import ContactFiguresRmDay, ContactFiguresRmMonth, ContactFollow, ContactWay

# A contact is the RM's relation with a WeChat user: the RM sees their own, the lead the branch's
# (through the RM's staff row), head office all. Compliance reaches contacts through the archive.
register(
    ContactFollow,
    Policy(owner="rm", branch="rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE})),
)
register(
    ContactWay,
    Policy(owner="owner", branch="owner__staff__branch", everything=frozenset({Role.HEAD_OFFICE})),
)
# The stats' rollup of follows (per RM) is seen as the follows are.
for figures in (ContactFiguresRmDay, ContactFiguresRmMonth):
    register(
        figures, Policy(owner="rm", branch="rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE}))
    )
