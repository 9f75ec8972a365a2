"""What the checklist API answers with: one output serializer per shape, people and branches
through the shared `PersonOut` / `BranchOut`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rm_portal.checklists.models import (
    ChecklistRun,
    ChecklistTemplate,
    Holiday,
    RunAudit,
    RunItem,
    TemplateItem,
)
from rm_portal.checklists.selectors import Figures
from rm_portal.org.serializers import BranchOut, PersonOut

# --- Templates and holidays ----------------------------------------------------------------------


class TemplateItemOut(serializers.ModelSerializer[TemplateItem]):
    class Meta:
        model = TemplateItem
        fields = ["text", "requires_photo", "requires_note"]


class TemplateOut(serializers.ModelSerializer[ChecklistTemplate]):
    time = serializers.TimeField(source="time_of_day", format="%H:%M")
    weekdays = serializers.ListField(child=serializers.IntegerField())
    roles = serializers.ListField(child=serializers.CharField())
    branches = serializers.SerializerMethodField()
    items = TemplateItemOut(many=True)

    class Meta:
        model = ChecklistTemplate
        fields = [
            "id", "name", "time", "weekdays", "due_minutes", "roles", "branches", "skip_holidays",
            "scope", "early", "items", "version", "active",
        ]  # fmt: skip

    def get_branches(self, template: ChecklistTemplate) -> list[str]:
        """Branch codes; empty means every branch."""
        return sorted(branch.code for branch in template.branches.all())


class HolidayOut(serializers.ModelSerializer[Holiday]):
    class Meta:
        model = Holiday
        fields = ["date", "name"]


class HolidaysStoredOut(serializers.Serializer[dict[str, int]]):
    stored = serializers.IntegerField(help_text="holidays stored (new or renamed)")


# --- Runs ----------------------------------------------------------------------------------------


class TemplateRefOut(serializers.Serializer[Any]):
    """The template a run (or a row of figures) was made from, by its name then."""

    id = serializers.IntegerField(source="template_id")
    name = serializers.CharField()


class RunItemOut(serializers.ModelSerializer[RunItem]):
    photo_url = serializers.SerializerMethodField()
    # Only on a branch run, where any member of the branch may tick an item: who did.
    completed_by = PersonOut(required=False, allow_null=True)

    class Meta:
        model = RunItem
        fields = [
            "id", "text", "requires_photo", "requires_note", "done", "photo_url", "photo_taken_at",
            "photo_flagged", "note", "completed_at", "late", "completed_by",
        ]  # fmt: skip

    def get_photo_url(self, item: RunItem) -> str | None:
        return reverse("checklists-api:item-photo", args=[item.pk]) if item.photo else None

    def to_representation(self, item: RunItem) -> dict[str, Any]:
        data = super().to_representation(item)
        if not item.run.per_branch:
            data.pop("completed_by")  # person runs keep their shape
        return data


class RunBaseOut(serializers.ModelSerializer[ChecklistRun]):
    template = TemplateRefOut(source="*")
    # Only on a branch run: `"branch"`, and the branch it is for.
    scope = serializers.ChoiceField(choices=ChecklistTemplate.Scope.choices, required=False)
    branch = BranchOut(required=False)

    BRANCH_RUN_ONLY: tuple[str, ...] = ("scope", "branch")

    class Meta:
        model = ChecklistRun
        fields = [
            "id", "template", "template_version", "date", "status", "due_at", "submitted_at", "late",
            "scope", "branch",
        ]  # fmt: skip

    def to_representation(self, run: ChecklistRun) -> dict[str, Any]:
        data = super().to_representation(run)
        if not run.per_branch:
            for key in self.BRANCH_RUN_ONLY:
                data.pop(key, None)
        return data


class RunOut(RunBaseOut):
    items = RunItemOut(many=True)

    class Meta(RunBaseOut.Meta):
        fields = [*RunBaseOut.Meta.fields, "items"]


class RunRowOut(RunBaseOut):
    """A row of the runs list: no items, but how far along it is."""

    assignee = PersonOut()
    branch = BranchOut()
    items_total = serializers.IntegerField()
    items_done = serializers.IntegerField()
    completion = serializers.SerializerMethodField()

    BRANCH_RUN_ONLY = ("scope",)

    class Meta(RunBaseOut.Meta):
        fields = [*RunBaseOut.Meta.fields, "assignee", "items_total", "items_done", "completion"]

    def get_completion(self, run: ChecklistRun) -> float | None:
        total: int = run.items_total  # type: ignore[attr-defined]
        done: int = run.items_done  # type: ignore[attr-defined]
        return round(done / total, 4) if total else None


class RunAuditOut(serializers.ModelSerializer[RunAudit]):
    by = PersonOut()

    class Meta:
        model = RunAudit
        fields = ["verdict", "comment", "by", "at"]


class RunDetailOut(RunOut):
    assignee = PersonOut()
    branch = BranchOut()
    audits = RunAuditOut(many=True)

    BRANCH_RUN_ONLY = ("scope",)

    class Meta(RunOut.Meta):
        fields = [*RunOut.Meta.fields, "assignee", "audits"]


class RunAuditedOut(RunOut):
    """The run after the verdict, and the verdict itself."""

    audit = serializers.SerializerMethodField()  # the verdict just given, passed as context["audit"]

    class Meta(RunOut.Meta):
        fields = [*RunOut.Meta.fields, "audit"]

    @extend_schema_field(RunAuditOut)
    def get_audit(self, run: ChecklistRun) -> dict[str, Any]:
        return RunAuditOut(self.context["audit"]).data


# --- Figures -------------------------------------------------------------------------------------


class FiguresOut(serializers.Serializer[Figures]):
    total = serializers.IntegerField()
    completed = serializers.IntegerField(help_text="submitted or approved")
    on_time = serializers.IntegerField(help_text="completed, and first submitted within the window")
    missed = serializers.IntegerField()
    rejected = serializers.IntegerField()
    completion_rate = serializers.FloatField(
        allow_null=True, help_text="completed / total; null without runs"
    )
    on_time_rate = serializers.FloatField(allow_null=True, help_text="on_time / total; null without runs")


class BranchFiguresOut(FiguresOut):
    branch = BranchOut()


class PersonFiguresOut(FiguresOut):
    rm = PersonOut()
    branch = serializers.CharField(source="branch_code", help_text="branch code")


class DayFiguresOut(FiguresOut):
    date = serializers.DateField()


class TemplateFiguresOut(FiguresOut):
    template = TemplateRefOut(source="*")


class DashboardOut(serializers.Serializer[Any]):
    since = serializers.DateField()
    until = serializers.DateField()
    overall = FiguresOut()
    by_branch = BranchFiguresOut(many=True)
    by_rm = PersonFiguresOut(many=True, help_text="person runs only; branch runs count per branch")
    by_day = DayFiguresOut(many=True)
    by_template = TemplateFiguresOut(many=True)
