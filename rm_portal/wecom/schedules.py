BEAT_SCHEDULE = {
    # An event answered `success` is never lost: one whose task vanished is enqueued again.
    "wecom-events-sweep": {
        "task": "rm_portal.wecom.tasks.wecom_events_sweep",
        "schedule": 300.0,
    },
}
