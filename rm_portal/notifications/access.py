from rm_portal.notifications.models import Notification
from rm_portal.org.access import Policy, register

# Notifications are personal: nobody, head office included, reads another person's.
register(Notification, Policy(owner="recipient"))
