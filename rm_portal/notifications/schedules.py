BEAT_SCHEDULE = {
    # Nothing accepted is lost: a delivery whose task vanished with a worker or a broker is enqueued
    # again (rm_portal.notifications.delivery.undelivered says which).
    "notifications-sweep": {
        "task": "rm_portal.notifications.tasks.notifications_sweep",
        "schedule": 300.0,
    },
}
