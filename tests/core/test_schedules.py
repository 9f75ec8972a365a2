from rm_portal.celery import app


def test_app_schedules_are_merged_into_beat(db):
    app.finalize()
    assert app.conf.beat_schedule["scheduler-heartbeat"]["task"] == "rm_portal.core.tasks.heartbeat"
