from django.conf import settings

BEAT_SCHEDULE = {
    # An event answered `success` is never lost: one whose task vanished is enqueued again.
    "wecom-events-sweep": {
        "task": "rm_portal.wecom.tasks.wecom_events_sweep",
        "schedule": 300.0,
    },
    # Handovers' WeCom transfers: send what is due, ask transfer_result, until every row is final.
    "wecom-transfers-poll": {
        "task": "rm_portal.wecom.tasks.wecom_transfers_poll",
        "schedule": float(settings.WECOM_POLL_SECONDS),
    },
    # The contacts stats' rollup of the days before today (stats_rollup.py).
    "wecom-stats-rollup": {
        "task": "rm_portal.wecom.tasks.wecom_stats_rollup",
        "schedule": float(settings.WECOM_STATS_ROLLUP_SECONDS),
    },
}
