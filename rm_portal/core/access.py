from rm_portal.core.models import Job
from rm_portal.org.access import Policy, register

# A job is private to whoever started it: only its owner polls it, head office included.
register(Job, Policy(owner="owner"))
