from __future__ import annotations

from django.core.management import call_command

from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunAudit, RunItem


def test_seed_demo_builds_two_weeks_of_history_and_is_idempotent(db, settings):
    call_command("seed_demo", "--password", "demo-password-1")
    counts = (ChecklistTemplate.objects.count(), ChecklistRun.objects.count(), RunItem.objects.count())
    assert counts[0] == 4 and counts[1] > 40
    assert ChecklistTemplate.objects.filter(name="晨会", items__requires_photo=True).exists()
    safety = ChecklistTemplate.objects.get(name="网点营业前安全检查")
    assert safety.scope == "branch" and safety.items.filter(requires_photo=True).exists()
    branch_runs = ChecklistRun.objects.filter(template=safety)
    assert branch_runs.exists() and not branch_runs.filter(per_branch=False).exists()
    days = branch_runs.values("branch", "date").distinct().count()
    assert days == branch_runs.count()  # one a branch a day
    done_by = RunItem.objects.filter(run__template=safety, done=True).values("completed_by").distinct()
    assert done_by.count() > 1  # colleagues of the branch, not only the lead
    assert ChecklistRun.objects.filter(status="missed").exists()
    assert RunAudit.objects.filter(verdict="rejected").exists()
    assert RunItem.objects.exclude(photo="").exists()
    call_command("seed_demo", "--password", "demo-password-1")
    assert (
        ChecklistTemplate.objects.count(),
        ChecklistRun.objects.count(),
        RunItem.objects.count(),
    ) == counts


def test_a_small_seed_has_three_days_of_the_same_shapes(db, settings):
    from rm_portal.checklists import seed as checklists_seed
    from rm_portal.checklists.clock import local_today
    from rm_portal.org import seed as org_seed

    lines: list[str] = []
    org_seed.seed(password="demo-password-1", log=lines.append)
    checklists_seed.seed(password="demo-password-1", log=lines.append, small=True)
    today = local_today()
    past = ChecklistRun.objects.filter(date__lt=today)
    assert {(today - run.date).days for run in past} <= {1, 2, 3}
    assert ChecklistTemplate.objects.count() == 4
    assert past.filter(per_branch=True).exists() and past.filter(per_branch=False).exists()
    assert "checklists:" in lines[-1]
