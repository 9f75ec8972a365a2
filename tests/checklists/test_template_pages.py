"""Head office's template page: create and edit on the phone, through the API's own service."""

from __future__ import annotations

import pytest

from rm_portal.checklists.models import ChecklistTemplate
from rm_portal.org.models import Role

NEW = "/checklists/setup/templates/new/"


def edit_url(template: ChecklistTemplate) -> str:
    return f"/checklists/setup/templates/{template.pk}/"


def rows(*items: dict, initial: int = 0, blank: int = 3) -> dict:
    """The items formset as a phone without JavaScript posts it: given rows, then blank extras."""
    data = {
        "items-TOTAL_FORMS": str(len(items) + blank),
        "items-INITIAL_FORMS": str(initial),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "50",
    }
    for index, item in enumerate(items):
        for key, value in item.items():
            if value is not False:
                data[f"items-{index}-{key}"] = value if value is not True else "on"
    return data


def form(items: dict | None = None, **over: object) -> dict:
    items = items or rows(
        {"text": "复盘照片", "requires_photo": True}, {"text": "复盘要点", "requires_note": True}
    )
    data = {
        "name": "午间复盘",
        "time": "12:00",
        "weekdays": ["1", "3", "5"],
        "due_minutes": "45",
        "roles": [Role.RM.value],
        "skip_holidays": "on",
        "active": "on",
        **items,
    }
    for key, value in over.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def test_the_setup_page_links_to_new_and_edit(client, hq_admin, morning):
    client.force_login(hq_admin)
    page = client.get("/checklists/setup/").content.decode()
    assert f'href="{NEW}"' in page and f'href="{edit_url(morning)}"' in page


def test_the_new_page_has_weekday_role_branch_checkboxes_and_blank_item_rows(client, hq_admin, b01, b02):
    client.force_login(hq_admin)
    page = client.get(NEW).content.decode()
    for label in (
        "周一",
        "周二",
        "周三",
        "周四",
        "周五",
        "周六",
        "周日",
        "客户经理",
        "网点负责人",
        "B01 城东支行",
    ):
        assert label in page
    assert page.count('data-testid="item-row"') == 3
    assert 'name="items-0-DELETE"' in page and 'name="items-0-ORDER"' in page
    assert 'type="time"' in page and 'name="more"' in page


def test_head_office_creates_a_template(client, hq_admin, b01, b02):
    client.force_login(hq_admin)
    r = client.post(NEW, form(branches=["B02"], skip_holidays=None))
    assert r.status_code == 302 and r["Location"] == "/checklists/setup/"
    template = ChecklistTemplate.objects.get()
    assert (template.name, template.time_of_day.strftime("%H:%M"), template.weekdays) == (
        "午间复盘",
        "12:00",
        [1, 3, 5],
    )
    assert (template.due_minutes, template.roles, template.version) == (45, ["rm"], 1)
    assert [b.code for b in template.branches.all()] == ["B02"]
    assert template.skip_holidays is False and template.active is True
    assert [(i.text, i.requires_photo, i.requires_note) for i in template.items.all()] == [
        ("复盘照片", True, False),
        ("复盘要点", False, True),
    ]
    assert "已创建模板“午间复盘”" in client.get("/checklists/setup/").content.decode()


def test_rows_are_ordered_by_the_order_field_and_deleted_rows_dropped(client, hq_admin):
    client.force_login(hq_admin)
    items = rows(
        {"text": "第三", "ORDER": "3"},
        {"text": "不要了", "ORDER": "1", "DELETE": True},
        {"text": "第一", "ORDER": "1"},
        {"text": "第二", "ORDER": "2", "requires_photo": True},
    )
    assert client.post(NEW, form(items)).status_code == 302
    template = ChecklistTemplate.objects.get()
    assert [i.text for i in template.items.all()] == ["第一", "第二", "第三"]


def test_editing_bumps_the_version_and_a_past_run_keeps_its_snapshot(client, hq_admin, runs):
    run = runs["rm01a"]
    template = run.template
    before = [(i.text, i.requires_photo) for i in run.items.all()]
    client.force_login(hq_admin)
    page = client.get(edit_url(template)).content.decode()
    assert 'value="晨会"' in page and 'value="07:30"' in page and 'value="晨会照片"' in page
    assert "当前第 1 版" in page and page.count('data-testid="item-row"') == 5
    items = rows(
        {"text": "晨会照片（含全员）", "requires_photo": True, "ORDER": "1"},
        {"text": "晨会纪要", "requires_note": True, "ORDER": "2", "DELETE": True},
        {"text": "当日目标", "requires_note": True},
        initial=2,
    )
    r = client.post(edit_url(template), form(items, name="晨会", time="07:45", weekdays=["1", "2"]))
    assert r.status_code == 302
    template.refresh_from_db()
    assert template.version == 2 and template.time_of_day.strftime("%H:%M") == "07:45"
    assert [i.text for i in template.items.all()] == ["晨会照片（含全员）", "当日目标"]
    run.refresh_from_db()
    assert run.template_version == 1 and [(i.text, i.requires_photo) for i in run.items.all()] == before
    assert "第 2 版" in client.get("/checklists/setup/").content.decode()


BAD = [
    pytest.param({"time": "25:00"}, "时间格式应为 HH:MM", id="time-25"),
    pytest.param({"time": ""}, "请填写提醒时间", id="no-time"),
    pytest.param({"weekdays": None}, "请至少选择一天", id="no-weekday"),
    pytest.param({"roles": None}, "请至少选择一个执行角色", id="no-role"),
    pytest.param({"due_minutes": "abc"}, "完成时限应为整数分钟", id="due-not-a-number"),
    pytest.param({"due_minutes": "0"}, "完成时限至少 1 分钟", id="due-zero"),
    pytest.param({"name": "  "}, "请填写模板名称", id="no-name"),
    pytest.param({"name": "名" * 101}, "名称不能超过 100 个字", id="long-name"),
    pytest.param({"name": "晨会"}, "已有同名模板“晨会”", id="duplicate-name"),
    pytest.param({"items": rows()}, "请至少填写一个事项", id="no-item"),
    pytest.param({"items": rows({"text": "x", "DELETE": True})}, "请至少填写一个事项", id="only-deleted"),
    pytest.param(
        {"items": rows({"text": "", "requires_photo": True})}, "请填写事项内容", id="row-without-text"
    ),
    pytest.param(
        {"items": rows({"text": "好"}, {"text": "长" * 201})}, "事项内容不能超过 200 个字", id="long-item"
    ),
    pytest.param({"items": rows({"text": "好", "ORDER": "abc"})}, "整数", id="order-not-a-number"),
    pytest.param({"weekdays": ["8"]}, "选择一个有效的选项", id="weekday-8"),
    pytest.param({"items-TOTAL_FORMS": None}, "ManagementForm", id="tampered-formset"),
]


@pytest.mark.parametrize(("over", "message"), BAD)
def test_bad_input_redisplays_with_the_reason_and_stores_nothing(client, hq_admin, morning, over, message):
    client.force_login(hq_admin)
    r = client.post(NEW, form(**over))
    page = r.content.decode()
    assert r.status_code == 200 and message in page and 'data-testid="form-errors"' in page
    assert ChecklistTemplate.objects.count() == 1


def test_a_bad_edit_changes_nothing(client, hq_admin, morning):
    client.force_login(hq_admin)
    r = client.post(edit_url(morning), form(name="晨会", time="25:00"))
    assert r.status_code == 200 and "时间格式应为 HH:MM" in r.content.decode()
    r = client.post(edit_url(morning), form(name="晨会", items=rows({"text": "长" * 201})))
    assert r.status_code == 200 and "事项内容不能超过 200 个字" in r.content.decode()
    morning.refresh_from_db()
    assert morning.version == 1 and morning.time_of_day.strftime("%H:%M") == "07:30"
    assert [i.text for i in morning.items.all()] == ["晨会照片", "晨会纪要"]


def test_a_template_may_keep_its_own_name(client, hq_admin, morning):
    client.force_login(hq_admin)
    assert client.post(edit_url(morning), form(name="晨会")).status_code == 302


def test_more_rows_without_javascript_saves_nothing(client, hq_admin):
    client.force_login(hq_admin)
    r = client.post(NEW, {**form(), "more": "1"})
    page = r.content.decode()
    assert r.status_code == 200 and page.count('data-testid="item-row"') == 8
    assert 'value="复盘照片"' in page and 'value="午间复盘"' in page
    assert not ChecklistTemplate.objects.exists()


def test_the_api_has_the_same_rules(api, hq_admin, morning):
    body = {"name": "晨会", "time": "08:00", "weekdays": [1], "due_minutes": 30, "roles": ["rm"], "items": []}
    r = api(hq_admin).post("/api/v1/checklists/templates/", body, format="json")
    assert r.status_code == 400
    assert "已有同名模板“晨会”" in str(r.json()) and "请至少填写一个事项" in str(r.json())


@pytest.mark.parametrize("who", ["rm01a", "lead01", "compliance"])
def test_only_head_office(client, morning, who, request):
    client.force_login(request.getfixturevalue(who))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, form(name="别的")).status_code == 403
    assert client.get(edit_url(morning)).status_code == 403
    assert client.post(edit_url(morning), form(name="改名")).status_code == 403
    assert ChecklistTemplate.objects.get().name == "晨会"


def test_anonymous_goes_to_login(client, morning):
    for url in (NEW, edit_url(morning)):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r["Location"]
    assert client.post(NEW, form(name="别的")).status_code == 302
    assert ChecklistTemplate.objects.count() == 1


def test_a_missing_template_is_404(client, hq_admin):
    client.force_login(hq_admin)
    assert client.get("/checklists/setup/templates/999999/").status_code == 404
