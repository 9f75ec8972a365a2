"""The Celery app. Broker and schedules come from settings (embedded files or Redis).

Each domain app may keep its periodic jobs in `<app>/schedules.py` as a dict named
`BEAT_SCHEDULE`; they are merged into the beat schedule here, so an app adds a 07:30
job without editing settings.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

from celery import Celery

from rm_portal.bootstrap import prepare_embedded

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rm_portal.settings")

app = Celery("rm_portal")


@app.on_configure.connect
def _prepare_embedded(sender: Celery, **kwargs: object) -> None:
    # The worker and beat load Django's settings through the app's configuration: prepare var/ (the
    # file broker's folders, the secret key) first, as manage.py does. Importing this module, which
    # every `import rm_portal…` does, writes nothing.
    prepare_embedded()


app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def app_schedules() -> dict[str, dict]:
    from django.apps import apps
    from django.conf import settings

    merged: dict[str, dict] = {}
    for config in apps.get_app_configs():
        if not config.path.startswith(str(settings.BASE_DIR)):
            continue
        name = f"{config.name}.schedules"
        if importlib.util.find_spec(name) is not None:
            merged.update(getattr(importlib.import_module(name), "BEAT_SCHEDULE", {}))
    return merged


@app.on_after_finalize.connect
def _add_app_schedules(sender: Celery, **kwargs: object) -> None:
    sender.conf.beat_schedule = {**sender.conf.beat_schedule, **app_schedules()}
