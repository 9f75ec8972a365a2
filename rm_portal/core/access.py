from rm_portal.core.models import Job
from rm_portal.org.access import Policy, register

# A job is private to whoever started it (DESIGN §4: "the job's owner").
register(Job, Policy(owner="owner"))
