from django.conf import settings

BEAT_SCHEDULE = {
    # Proof that scheduled work really fires: /healthz shows the last beat.
    "scheduler-heartbeat": {
        "task": "rm_portal.core.tasks.heartbeat",
        "schedule": float(settings.HEARTBEAT_SECONDS),
    },
    # Nothing accepted stays stuck: stale jobs are resumed or ended with a reason.
    "jobs-sweep": {
        "task": "rm_portal.core.tasks.jobs_sweep",
        "schedule": 300.0,
    },
}
