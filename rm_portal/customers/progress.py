"""What an import's progress bar says: the words follow the job's state and its progress together,
so a bar at 100 % never reads 排队中 and a finished job never reads 进行中."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rm_portal.core.models import Job

# The words, also handed to the page's script so the live bar says exactly what a refresh would.
PROGRESS_WORDS: dict[str, str | Promise] = {
    "queued": _("排队中"),
    "running": _("导入中"),
    "finishing": _("正在收尾"),
    "done": _("已完成"),
    "failed": _("失败"),
}


@dataclass(frozen=True)
class Progress:
    percent: int  # how wide the bar is
    word: str  # a key of PROGRESS_WORDS

    @property
    def text(self) -> str:
        label = str(PROGRESS_WORDS[self.word])
        return f"{label} {self.percent}%" if self.word in ("running", "failed") else label


def job_progress(*, state: str, processed: int, total: int | None) -> Progress:
    """A full bar only once the job is done; work counted on a job still marked queued (a resumed
    one) reads as running; every row counted but not yet done reads as finishing."""
    if state == Job.State.DONE:
        return Progress(100, "done")
    percent = min(100, round(processed * 100 / total)) if total else 0
    if state == Job.State.FAILED:
        return Progress(percent, "failed")
    if processed == 0 and state == Job.State.QUEUED:
        return Progress(0, "queued")
    if total and processed >= total:
        return Progress(99, "finishing")
    return Progress(min(percent, 99), "running")
