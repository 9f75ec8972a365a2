from celery.schedules import crontab

BEAT_SCHEDULE = {
    # After the tags are recomputed (02:30, customers/schedules.py), so became(...) sees tonight's changes.
    "opportunities-rules-run": {
        "task": "rm_portal.opportunities.tasks.opportunity_rules_run_all",
        "schedule": crontab(hour=3, minute=30),
    },
    "opportunities-overdue-sweep": {
        "task": "rm_portal.opportunities.tasks.opportunities_overdue_run",
        "schedule": crontab(minute=15),
    },
}
