from django.conf import settings

BEAT_SCHEDULE = {
    "outreach-tick": {
        "task": "rm_portal.outreach.tasks.outreach_tick",
        "schedule": float(settings.WECOM_POLL_SECONDS),
    },
}
