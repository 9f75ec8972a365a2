from rm_portal.customers.models import (
    Customer,
    CustomerTag,
    Handover,
    Holding,
    IndicatorValues,
    TimelineEvent,
)
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role

# An RM sees their own customers, a branch lead the branch, head office all;
# compliance sees no portraits beyond what a message shows.
register(Customer, Policy(owner="owner", branch="branch", everything=frozenset({Role.HEAD_OFFICE})))
register(
    TimelineEvent,
    Policy(owner="customer__owner", branch="customer__branch", everything=frozenset({Role.HEAD_OFFICE})),
)

for model in (Holding, IndicatorValues, CustomerTag):
    register(
        model,
        Policy(owner="customer__owner", branch="customer__branch", everything=frozenset({Role.HEAD_OFFICE})),
    )

# A handover record: the lead of the leaver's branch and head office; the RMs involved see their
# customers' timeline, not the record.
register(Handover, Policy(branch="branch", everything=frozenset({Role.HEAD_OFFICE})))
