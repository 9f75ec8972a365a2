from django.conf import settings

BEAT_SCHEDULE = {
    # Proof that scheduled work really fires: /healthz shows the last beat.
    "scheduler-heartbeat": {
        "task": "rm_portal.core.tasks.heartbeat",
        "schedule": float(settings.HEARTBEAT_SECONDS),
    },
}
