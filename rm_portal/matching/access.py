from rm_portal.matching.models import Shown, Signal
from rm_portal.org.access import Policy, register
from rm_portal.org.models import Role

# Head office configures the signals and reads the figures; a recommendation itself is as
# visible as its customer (the customer's own access function decides: 404 outside scope).
register(Signal, Policy(everything=frozenset({Role.HEAD_OFFICE})))
register(
    Shown,
    Policy(owner="customer__owner", branch="customer__branch", everything=frozenset({Role.HEAD_OFFICE})),
)
