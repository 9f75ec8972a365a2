"""The one job lifecycle: every long piece of work that reports progress runs inside `job_run`.

    with job_run(job_id=job_id, total=len(rows)) as job:
        for done, chunk in enumerate(chunks, 1):
            ...
            job.progress(processed=done * CHUNK, errors=chunk_errors)
        job.result = {"created": n}

Leaving the block finishes the job with `job.result`. A `DomainError` fails it with the error's own
words (the person can act on them) and is not raised further: the work was refused, not broken. Any
other exception fails the job with a generic reason, is logged, and is raised again so that the task
may retry; `final=False` keeps the job running while a retry is still to come.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from rm_portal.core.errors import DomainError
from rm_portal.core.services import job_fail, job_finish, job_progress, job_start

logger = logging.getLogger(__name__)


@dataclass
class RunningJob:
    job_id: int
    result: dict[str, object] = field(default_factory=dict)

    def progress(self, *, processed: int, errors: list[dict[str, object]] | None = None) -> None:
        job_progress(job_id=self.job_id, processed=processed, errors=errors)


@contextmanager
def job_run(*, job_id: int, total: int | None = None, final: bool = True) -> Iterator[RunningJob]:
    job_start(job_id=job_id, total=total)
    running = RunningJob(job_id=job_id)
    try:
        yield running
    except DomainError as refused:
        job_fail(job_id=job_id, reason="；".join(refused.messages()))
        return
    except Exception:
        logger.exception("job %s failed", job_id)
        if final:
            job_fail(job_id=job_id, reason=_("任务失败：内部错误，请联系管理员"))
        raise
    job_finish(job_id=job_id, result=running.result)
