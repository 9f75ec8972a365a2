"""Writes for checklists, by topic: `templates` (templates, holidays), `runs` (the day's runs,
reminders, missed days, handover), `completion` (an item ticked off with a photo) and `audits`
(the lead's verdict). Everything a caller needs is importable from here."""

from rm_portal.checklists.services.audits import run_audit
from rm_portal.checklists.services.completion import Answer, item_complete, run_complete
from rm_portal.checklists.services.runs import (
    Tick,
    checklists_tick,
    day_generate,
    late_reminders_send,
    reminders_send,
    run_people,
    runs_generate,
    runs_mark_missed,
    runs_preview_for_leaver,
    runs_withdraw_for_leaver,
    template_applies,
    template_fire,
)
from rm_portal.checklists.services.templates import ItemSpec, holidays_import, template_save

__all__ = [
    "Answer",
    "ItemSpec",
    "Tick",
    "checklists_tick",
    "day_generate",
    "holidays_import",
    "item_complete",
    "late_reminders_send",
    "reminders_send",
    "run_audit",
    "run_complete",
    "run_people",
    "runs_generate",
    "runs_mark_missed",
    "runs_preview_for_leaver",
    "runs_withdraw_for_leaver",
    "template_applies",
    "template_fire",
    "template_save",
]
