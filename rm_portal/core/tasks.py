from __future__ import annotations

from celery import shared_task

from rm_portal.core import services


@shared_task(acks_late=True)
def heartbeat() -> int:
    return services.heartbeat_record().beats


@shared_task(acks_late=True, max_retries=3)
def job_selfcheck(job_id: int) -> None:
    services.job_selfcheck_run(job_id=job_id)


@shared_task(acks_late=True)
def jobs_sweep() -> dict[str, int]:
    return services.jobs_sweep()
