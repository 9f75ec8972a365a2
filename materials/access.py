"""Who sees which materials, shares, views and overrides (DESIGN §2), registered in the one policy."""

from materials.models import Material, OverrideLog, ShareToken, ViewEvent
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role

# Every staff role reads materials; what is *published for their branch now* is narrowed in
# materials.selectors.material_list (head office alone sees drafts and expired ones).
register(Material, Policy(everything=frozenset(Role.values)))
# An RM their own links, a branch lead the links of the branch's RMs, head office all.
register(ShareToken, Policy(owner="rm", branch="rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE})))
register(
    ViewEvent,
    Policy(owner="token__rm", branch="token__rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE})),
)
# Overrides of the suitability gate are shown to compliance.
register(
    OverrideLog,
    Policy(owner="rm", branch="rm__staff__branch", everything=frozenset({Role.HEAD_OFFICE, Role.COMPLIANCE})),
)
