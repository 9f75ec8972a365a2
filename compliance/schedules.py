from django.conf import settings

BEAT_SCHEDULE = {
    # The archive's heads signed and written outside the database (docs/compliance.md).
    "compliance-archive-checkpoint": {
        "task": "compliance.tasks.archive_checkpoint",
        "schedule": float(settings.ARCHIVE_CHECKPOINT_SECONDS),
    },
}
