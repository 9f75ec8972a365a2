"""No self-approval: a branch lead does not approve a run they did (their own run, or a branch run
with an item they completed); another lead of the branch may."""

from __future__ import annotations

from datetime import time

import pytest

from rm_portal.checklists import services
from rm_portal.checklists.models import ChecklistRun, RunAudit
from rm_portal.org.models import Role
from rm_portal.org.services import staff_create
from tests.checklists.conftest import DAY, complete_all, photo_upload
from tests.checklists.test_branch_runs import safety_template
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def leads_run(b01, lead01):
    template = services.template_save(
        name="负责人晨会",
        time_of_day=time(7, 30),
        weekdays=[1, 2, 3, 4, 5],
        due_minutes=30,
        roles=[Role.BRANCH_LEAD],
        items=[{"text": "晨会纪要", "requires_note": True}],
    )
    services.runs_generate(template=template, on=DAY)
    run = ChecklistRun.objects.get(template=template, assignee=lead01)
    complete_all(run)
    return run


@pytest.fixture
def branch_run_the_lead_helped_with(b01, b02, rm01a, lead01):
    template = safety_template()
    services.runs_generate(template=template, on=DAY)
    run = ChecklistRun.objects.get(template=template, branch=b01)
    first, second = run.items.order_by("order")
    services.item_complete(item=first, by=rm01a, photo=photo_upload())
    services.item_complete(item=second, by=lead01)
    run.refresh_from_db()
    assert run.status == ChecklistRun.Status.SUBMITTED
    return run


def _second_lead(b01):
    return staff_create(
        username="lead01b",
        password=PASSWORD,
        name="王副主任",
        role=Role.BRANCH_LEAD,
        branch=b01,
        employee_no="L01B",
    ).user


def test_the_api_refuses_the_lead_approving_their_own_run(api, leads_run, lead01):
    r = api(lead01).post(f"/api/v1/checklists/runs/{leads_run.pk}/audit/", {"verdict": "approved"})
    assert r.status_code == 403 and "不能审批自己完成的动作" in r.json()["detail"]
    leads_run.refresh_from_db()
    assert leads_run.status == "submitted" and not RunAudit.objects.exists()


def test_the_api_refuses_a_branch_run_with_an_item_the_lead_completed(
    api, branch_run_the_lead_helped_with, lead01, b01
):
    run = branch_run_the_lead_helped_with
    url = f"/api/v1/checklists/runs/{run.pk}/audit/"
    r = api(lead01).post(url, {"verdict": "approved"})
    assert r.status_code == 403 and "本人完成" in r.json()["detail"]
    assert ChecklistRun.objects.get(pk=run.pk).status == "submitted"
    # Another lead of the branch is a second pair of eyes.
    other = api(_second_lead(b01)).post(url, {"verdict": "approved"})
    assert other.status_code == 200 and other.json()["status"] == "approved"


def test_the_page_refuses_self_approval_with_a_message(
    client, leads_run, branch_run_the_lead_helped_with, lead01
):
    client.force_login(lead01)
    for run in (leads_run, branch_run_the_lead_helped_with):
        r = client.post(f"/checklists/runs/{run.pk}/audit/", {"verdict": "approved"}, follow=True)
        assert r.status_code == 200
        assert "不能审批自己完成的动作" in next(str(m) for m in r.context["messages"])
        assert ChecklistRun.objects.get(pk=run.pk).status == "submitted"
    assert not RunAudit.objects.exists()


def test_the_lead_may_still_send_their_own_run_back(api, leads_run, lead01):
    r = api(lead01).post(
        f"/api/v1/checklists/runs/{leads_run.pk}/audit/", {"verdict": "rejected", "comment": "补充纪要"}
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
