from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from rm_portal.customers.models import TimelineEvent
from rm_portal.opportunities.models import Opportunity, OpportunityRule
from rm_portal.opportunities.services.execution import opportunity_complete, opportunity_review
from rm_portal.opportunities.services.generation import opportunity_rules_run
from tests.opportunities.factories import rule

pytestmark = pytest.mark.django_db

RULE = {
    "code": "td7",
    "name": "定期7天内到期",
    "kind": "maintain",
    "condition": "td_maturing_days <= 7",
    "script": "您好{customer_name}，您的{product}将于{maturity_date}到期",
    "due_days": 3,
    "cooldown_days": 30,
    "priority": 90,
}


# ---- rules ---------------------------------------------------------------------------------


def test_head_office_creates_a_rule_and_everyone_reads_them(api, world, hq_admin, rm01a, anon):
    r = api(hq_admin).post("/api/v1/opportunity-rules/", RULE, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["code"] == "td7" and r.json()["active"] is True
    listed = api(rm01a).get("/api/v1/opportunity-rules/")
    assert listed.status_code == 200 and [x["code"] for x in listed.json()["results"]] == ["td7"]
    assert api(rm01a).get("/api/v1/opportunity-rules/td7/").json()["condition"] == RULE["condition"]
    assert anon.get("/api/v1/opportunity-rules/").status_code == 401
    assert (
        api(rm01a).post("/api/v1/opportunity-rules/", {**RULE, "code": "x"}, format="json").status_code == 403
    )


@pytest.mark.parametrize(
    ("change", "field", "needle"),
    [
        ({"condition": "td_maturing_days <= "}, "condition", "位置 20"),
        ({"condition": "became(不存在)"}, "condition", "位置 1"),
        ({"script": "您好{customer}"}, "script", "{customer}"),
        ({"script": "您好{customer_name"}, "script", "花括号"),
        ({"kind": "other"}, "kind", ""),
        ({"due_days": 0}, "due_days", ""),
        ({"code": "有 空格"}, "code", ""),
        ({"condition": "x" * 2001}, "condition", ""),
        ({"extra": 1}, "extra", "未知字段"),
    ],
)
def test_bad_rules_answer_400_naming_the_problem_and_store_nothing(
    api, world, hq_admin, change, field, needle
):
    r = api(hq_admin).post("/api/v1/opportunity-rules/", {**RULE, **change}, format="json")
    assert r.status_code == 400
    assert needle in " ".join(r.json()[field])
    assert not OpportunityRule.objects.exists()


def test_duplicate_rule_code_is_400(api, world, hq_admin):
    rule()
    assert api(hq_admin).post("/api/v1/opportunity-rules/", RULE, format="json").status_code == 400


def test_head_office_updates_a_rule_but_not_its_code(api, world, hq_admin, rm01a):
    rule()
    r = api(hq_admin).patch("/api/v1/opportunity-rules/td7/", {"priority": 5, "active": False}, format="json")
    assert r.status_code == 200 and r.json()["priority"] == 5 and r.json()["active"] is False
    assert (
        api(hq_admin).patch("/api/v1/opportunity-rules/td7/", {"code": "z"}, format="json").status_code == 400
    )
    bad = api(hq_admin).patch("/api/v1/opportunity-rules/td7/", {"condition": "aum >"}, format="json")
    assert bad.status_code == 400 and OpportunityRule.objects.get().condition == "td_maturing_days <= 7"
    assert (
        api(rm01a).patch("/api/v1/opportunity-rules/td7/", {"priority": 1}, format="json").status_code == 403
    )
    assert api(hq_admin).patch("/api/v1/opportunity-rules/nope/", {}, format="json").status_code == 404


def test_run_on_demand_is_for_head_office_and_idempotent(api, world, hq_admin, lead01, anon):
    rule()
    assert api(hq_admin).post("/api/v1/opportunity-rules/td7/run/").json() == {"created": 4}
    assert api(hq_admin).post("/api/v1/opportunity-rules/td7/run/").json() == {"created": 0}
    assert api(lead01).post("/api/v1/opportunity-rules/td7/run/").status_code == 403
    assert anon.post("/api/v1/opportunity-rules/td7/run/").status_code == 401
    assert api(hq_admin).post("/api/v1/opportunity-rules/nope/run/").status_code == 404
    assert (
        api(hq_admin).post("/api/v1/opportunity-rules/td7/run/", {"x": 1}, format="json").status_code == 400
    )
    OpportunityRule.objects.update(active=False)
    refused = api(hq_admin).post("/api/v1/opportunity-rules/td7/run/")
    assert refused.status_code == 409 and refused.json() == {"detail": "规则未启用"}


# ---- list and detail ------------------------------------------------------------------------


def test_rm_lists_own_open_opportunities_with_customer_script_and_reason(
    api, generated, rm01a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        r = api(rm01a).get("/api/v1/opportunities/?status=open")
    assert r.status_code == 200
    [item] = r.json()["results"]
    assert item["customer"] == {"cust_no": "C1", "name": "客户C1", "phone": "138****1234"}
    assert item["rule"]["code"] == "td7" and item["script"] == "您好客户C1，我是张晓明。"
    assert item["reason_text"] == "最近定期到期天数 3天" and item["overdue"] is False
    assert item["due_at"] and item["assignee"]["username"] == "rm01a"


def test_list_query_count_does_not_grow_with_rows(api, world, lead01, django_assert_max_num_queries):
    for i in range(6):
        rule(code=f"r{i}", priority=i)
    opportunity_rules_run()
    with django_assert_max_num_queries(6):
        r = api(lead01).get("/api/v1/opportunities/")
    assert r.json()["count"] == 9  # B01: C1 C3 C5 at the cap of 3 each


def test_lead_sees_the_branch_including_the_ownerless_queue_sorted_by_due_date(api, world, lead01):
    rule(due_days=5)
    rule(code="urgent", condition="tag(沉睡客户)", due_days=1, priority=10)
    opportunity_rules_run()
    results = api(lead01).get("/api/v1/opportunities/").json()["results"]
    assert {r["customer"]["cust_no"] for r in results} == {"C1", "C3", "C5"}
    assert [r["rule"]["code"] for r in results][:2] == ["urgent", "urgent"]
    assert any(r["assignee"] is None for r in results)


def test_status_filters_and_bad_status(api, generated, rm01a, rm02a, compliance, anon):
    Opportunity.objects.filter(customer__cust_no="C1").update(due_at=timezone.now() - timedelta(hours=1))
    overdue = api(rm01a).get("/api/v1/opportunities/?status=overdue").json()["results"]
    assert [o["customer"]["cust_no"] for o in overdue] == ["C1"] and overdue[0]["overdue"] is True
    assert api(rm01a).get("/api/v1/opportunities/?status=done").json()["count"] == 0
    assert api(rm01a).get("/api/v1/opportunities/?status=nope").status_code == 400
    assert api(rm02a).get("/api/v1/opportunities/").json()["count"] == 1
    assert api(compliance).get("/api/v1/opportunities/").status_code == 403
    assert anon.get("/api/v1/opportunities/").status_code == 401


def test_detail_is_404_outside_scope(api, generated, rm01a, rm01b, rm02a, lead01, lead02):
    pk = generated["C1"].pk
    assert api(rm01a).get(f"/api/v1/opportunities/{pk}/").status_code == 200
    assert api(lead01).get(f"/api/v1/opportunities/{pk}/").status_code == 200
    for other in (rm01b, rm02a, lead02):
        assert api(other).get(f"/api/v1/opportunities/{pk}/").status_code == 404
    assert api(rm01a).get("/api/v1/opportunities/999999/").status_code == 404


# ---- complete ----------------------------------------------------------------------------


def test_the_assignee_completes_once_and_the_timeline_records_it(api, generated, rm01a):
    pk = generated["C1"].pk
    body = {"outcome": "converted", "note": "已续存", "amount": "200000.00"}
    r = api(rm01a).post(f"/api/v1/opportunities/{pk}/complete/", body, format="json")
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "done" and r.json()["amount"] == "200000.00"
    event = TimelineEvent.objects.get(customer=generated["C1"].customer, kind="opportunity_done")
    assert event.ref == f"opportunities.opportunity:{pk}" and "已成交" in event.title
    again = api(rm01a).post(f"/api/v1/opportunities/{pk}/complete/", body, format="json")
    assert again.status_code == 409


def test_someone_elses_opportunity_is_404_and_outside_roles_403(
    api, generated, rm01b, rm02a, lead01, compliance, hq_admin, anon
):
    pk = generated["C1"].pk
    body = {"outcome": "contacted"}
    for other in (rm01b, rm02a, lead01):  # lead01 sees it but is not the assignee
        assert (
            api(other).post(f"/api/v1/opportunities/{pk}/complete/", body, format="json").status_code == 404
        )
    assert (
        api(compliance).post(f"/api/v1/opportunities/{pk}/complete/", body, format="json").status_code == 403
    )
    assert api(hq_admin).post(f"/api/v1/opportunities/{pk}/complete/", body, format="json").status_code == 403
    assert anon.post(f"/api/v1/opportunities/{pk}/complete/", body, format="json").status_code == 401
    assert Opportunity.objects.get(pk=pk).status == "open"


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "converted", "amount": "-1"},
        {"outcome": "converted", "amount": "100000000000.01"},
        {"outcome": "converted", "amount": "1e20"},
        {"outcome": "converted", "amount": "abc"},
        {"outcome": "won"},
        {},
        {"outcome": "contacted", "note": "x" * 2001},
        {"outcome": "contacted", "surprise": True},
    ],
)
def test_bad_completion_is_400_and_changes_nothing(api, generated, rm01a, body):
    pk = generated["C1"].pk
    assert api(rm01a).post(f"/api/v1/opportunities/{pk}/complete/", body, format="json").status_code == 400
    assert Opportunity.objects.get(pk=pk).status == "open"
    assert not TimelineEvent.objects.filter(kind="opportunity_done").exists()


def test_the_branch_lead_completes_the_ownerless_queue(api, generated, lead01, lead02):
    pk = generated["C5"].pk
    assert (
        api(lead02).post(f"/api/v1/opportunities/{pk}/complete/", {"outcome": "contacted"}).status_code == 404
    )
    r = api(lead01).post(f"/api/v1/opportunities/{pk}/complete/", {"outcome": "contacted"}, format="json")
    assert r.status_code == 200 and r.json()["assignee"]["username"] == "lead01"


# ---- review and stats ------------------------------------------------------------------------


def test_the_lead_reviews_completed_opportunities_only(api, generated, rm01a, lead01, lead02):
    pk = generated["C1"].pk
    body = {"accurate": True, "comment": "触发准确"}
    assert api(lead01).post(f"/api/v1/opportunities/{pk}/review/", body, format="json").status_code == 409
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="converted")
    assert api(rm01a).post(f"/api/v1/opportunities/{pk}/review/", body, format="json").status_code == 403
    assert api(lead02).post(f"/api/v1/opportunities/{pk}/review/", body, format="json").status_code == 404
    bad = api(lead01).post(f"/api/v1/opportunities/{pk}/review/", {"accurate": "maybe"}, format="json")
    assert bad.status_code == 400
    r = api(lead01).post(f"/api/v1/opportunities/{pk}/review/", body, format="json")
    assert r.status_code == 200
    assert r.json()["review"]["accurate"] is True and r.json()["review"]["reviewer"]["username"] == "lead01"


def test_rule_stats_arithmetic_per_scope(
    api, generated, rm01a, rm01b, rm02a, lead01, lead02, hq_admin, compliance
):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="converted", amount=100)
    opportunity_complete(opportunity=generated["C3"], by=rm01b, outcome="declined")
    opportunity_complete(opportunity=generated["C4"], by=rm02a, outcome="converted", amount=50)
    opportunity_review(opportunity=generated["C1"], by=lead01, accurate=True)
    opportunity_review(opportunity=generated["C3"], by=lead01, accurate=False)
    # Conversions count once a lead reviewed them as accurate (tests/opportunities/test_figures.py).
    opportunity_review(opportunity=generated["C4"], by=lead02, accurate=True)
    branch = api(lead01).get("/api/v1/opportunity-rules/td7/stats/").json()
    assert branch == {
        "rule": "td7",
        "name": "规则td7",
        "generated": 3,
        "completed": 2,
        "converted": 1,
        "conversion_rate": 0.5,
        "amount": "100.00",
        "reviewed": 2,
        "accuracy": 0.5,
    }
    bank = api(hq_admin).get("/api/v1/opportunity-rules/td7/stats/").json()
    assert (bank["generated"], bank["completed"], bank["converted"], bank["amount"]) == (4, 3, 2, "150.00")
    assert bank["conversion_rate"] == round(2 / 3, 4)
    assert api(rm01a).get("/api/v1/opportunity-rules/td7/stats/").status_code == 403
    assert api(compliance).get("/api/v1/opportunity-rules/td7/stats/").status_code == 403
    assert api(lead01).get("/api/v1/opportunity-rules/nope/stats/").status_code == 404
    rows = api(lead01).get("/api/v1/opportunity-stats/rules/").json()["results"]
    assert rows[0]["generated"] == 3


def test_leaderboard_for_the_branch_and_the_bank(api, generated, rm01a, rm01b, rm02a, lead02, compliance):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="contacted")
    opportunity_complete(opportunity=generated["C4"], by=rm02a, outcome="converted", amount=50)
    opportunity_review(opportunity=generated["C4"], by=lead02, accurate=True)  # confirmed: it counts
    branch = api(rm01a).get("/api/v1/opportunity-stats/leaderboard/").json()
    assert [r["username"] for r in branch["results"]] == ["rm01a", "rm01b"]
    bank = api(rm01b).get("/api/v1/opportunity-stats/leaderboard/?scope=bank").json()["results"]
    assert [r["username"] for r in bank] == ["rm02a", "rm01a", "rm01b"]
    assert (
        bank[0]["rank"] == 1 and bank[0]["converted_amount"] == "50.00" and bank[0]["conversion_rate"] == 1.0
    )
    assert api(rm01a).get("/api/v1/opportunity-stats/leaderboard/?scope=x").status_code == 400
    assert api(compliance).get("/api/v1/opportunity-stats/leaderboard/").status_code == 403


def test_head_office_picks_the_branch_of_the_leaderboard(api, generated, rm01a, hq_admin):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="contacted")
    url = "/api/v1/opportunity-stats/leaderboard/"
    picked = api(hq_admin).get(f"{url}?branch=B02").json()["results"]
    assert [r["username"] for r in picked] == ["rm02a"] and picked[0]["branch"] == {
        "code": "B02",
        "name": "城西支行",
    }
    assert [r["username"] for r in api(rm01a).get(f"{url}?branch=B02").json()["results"]] == [
        "rm01a",
        "rm01b",
    ]
    assert api(hq_admin).get(f"{url}?branch=NOPE").status_code == 404
    too_long = api(hq_admin).get(f"{url}?branch={'B' * 17}")
    assert too_long.status_code == 400 and "branch" in too_long.json()


def test_the_handover_endpoint_moves_open_opportunities_to_the_successor(
    api, generated, lead01, rm01a, rm01b
):
    opportunity_complete(opportunity=generated["C1"], by=rm01a, outcome="contacted")
    rule(code="c2", condition="td_maturing_days = 30")
    opportunity_rules_run()
    token = api(lead01).get("/api/v1/staff/rm01a/handover/preview/", {"to": "rm01b"}).json()["token"]
    body = {"to": "rm01b", "token": token, "confirm": True}
    r = api(lead01).post("/api/v1/staff/rm01a/handover/", body, format="json")
    assert r.status_code == 201, r.json()
    assert Opportunity.objects.get(customer__cust_no="C2").assignee == rm01b
    assert Opportunity.objects.get(customer__cust_no="C1").assignee == rm01a  # done: the leaver's record


def test_every_operation_answers_in_its_documented_shape_with_optional_parts_empty_and_filled(
    api, generated, rm01a, lead01, hq_admin
):
    """The response checker (tests/openapi.py) holds each of these to the OpenAPI document; here
    every nullable part is seen both empty and filled: a null and a named assignee, a review and
    none, an outcome and none, rates with and without completions."""
    done, ownerless = generated["C1"], generated["C5"]
    opportunity_complete(opportunity=done, by=rm01a, outcome="converted", amount=100)
    body = {"code": "mine1", "name": "挖潜", "kind": "mine", "condition": "aum >= 1"}
    assert api(hq_admin).post("/api/v1/opportunity-rules/", body, format="json").status_code == 201
    assert api(rm01a).get("/api/v1/opportunity-rules/").status_code == 200
    assert api(rm01a).get("/api/v1/opportunity-rules/td7/").json()["last_run_at"] is not None
    assert api(rm01a).get("/api/v1/opportunity-rules/mine1/").json()["last_run_at"] is None
    patched = api(hq_admin).patch("/api/v1/opportunity-rules/mine1/", {"priority": 5}, format="json")
    assert patched.json()["priority"] == 5
    assert api(hq_admin).post("/api/v1/opportunity-rules/mine1/run/").json()["created"] > 0
    # Converted but not reviewed yet: it counts as completed, not as converted (test_figures.py).
    assert api(lead01).get("/api/v1/opportunity-rules/td7/stats/").json()["conversion_rate"] == 0.0
    rows = api(lead01).get("/api/v1/opportunity-stats/rules/").json()["results"]
    assert {row["kind"] for row in rows} == {"maintain", "mine"}
    assert any(row["conversion_rate"] is None for row in rows)
    for scope in ("branch", "bank"):
        board = api(rm01a).get(f"/api/v1/opportunity-stats/leaderboard/?scope={scope}").json()
        assert board["scope"] == scope and board["results"][0]["branch"]["code"]
    listed = api(lead01).get("/api/v1/opportunities/?status=open").json()["results"]
    assert {o["assignee"] is None for o in listed} == {True, False}
    assert all(o["outcome"] is None and o["review"] is None for o in listed)
    reviewed = api(lead01).post(f"/api/v1/opportunities/{done.pk}/review/", {"accurate": True}, format="json")
    assert reviewed.json()["review"]["reviewer"] == {"username": "lead01", "display_name": "李主任"}
    assert api(lead01).get("/api/v1/opportunity-rules/td7/stats/").json()["conversion_rate"] == 1.0
    detail = api(rm01a).get(f"/api/v1/opportunities/{done.pk}/").json()
    assert detail["outcome"] == "converted" and detail["amount"] == "100.00"
    assert api(lead01).get("/api/v1/opportunities/?status=done").json()["results"][0]["review"]
    completed = api(lead01).post(
        f"/api/v1/opportunities/{ownerless.pk}/complete/", {"outcome": "contacted"}, format="json"
    )
    assert completed.json()["amount"] is None and completed.json()["assignee"]["username"] == "lead01"
