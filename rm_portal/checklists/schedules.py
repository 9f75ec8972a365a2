BEAT_SCHEDULE = {
    # Every minute rather than one crontab per template: templates are edited at run time by
    # head office, and a missed tick (beat restarting) is caught up by the next one.
    "checklists-tick": {"task": "rm_portal.checklists.tasks.checklists_tick", "schedule": 60.0},
}
