from celery.schedules import crontab

BEAT_SCHEDULE = {
    # After the warehouse's nightly export lands; tag changes are ready for the 07:30 meeting.
    "customers-tags-recompute": {
        "task": "rm_portal.customers.tasks.tags_recompute_run",
        "schedule": crontab(hour=2, minute=30),
    },
}
