"""Tags and segments over the API: read for everyone, write for head office, rules checked on save."""

from __future__ import annotations

import pytest

from rm_portal.customers.models import Customer, CustomerTag, Segment, TagDefinition
from tests.customers.factories import customer, indicators


@pytest.fixture
def known(b01, rm01a):
    indicators()
    customer("A1", rm01a, b01, {"aum": 2_000_000})
    customer("A2", rm01a, b01, {"aum": 10})
    return TagDefinition.objects.create(code="hnw", name="高净值", category="资产", rule="aum >= 1000000")


def test_everyone_reads_tags(api, anon, known, rm01a, compliance, lead01):
    for user in (rm01a, compliance, lead01):
        r = api(user).get("/api/v1/tags/")
        assert r.status_code == 200
        assert r.json() == [{"code": "hnw", "name": "高净值", "category": "资产", "rule": "aum >= 1000000"}]
    assert anon.get("/api/v1/tags/").status_code == 401


def test_head_office_creates_a_tag_and_it_is_computed(
    api, known, hq_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        r = api(hq_admin).post(
            "/api/v1/tags/",
            {
                "code": "small",
                "name": "小额客户",
                "category": "资产",
                "rule": "aum < 100 and not tag(高净值)",
            },
            format="json",
        )
    assert r.status_code == 201, r.content
    assert r.json()["code"] == "small"
    assert list(
        CustomerTag.objects.filter(tag__code="small").values_list("customer__cust_no", flat=True)
    ) == ["A2"]


def test_others_may_not_write_tags(api, known, rm01a, lead01, compliance):
    body = {"code": "x", "name": "x", "rule": "aum > 1"}
    for user in (rm01a, lead01, compliance):
        assert api(user).post("/api/v1/tags/", body, format="json").status_code == 403
    assert TagDefinition.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        ({"code": "t", "name": "坏规则", "rule": "aum >= 1 and and"}, "rule", "位置 14"),
        ({"code": "t", "name": "坏规则", "rule": "nope > 1"}, "rule", "未知的指标代码"),
        ({"code": "t", "name": "坏规则", "rule": "__import__('os')"}, "rule", "位置 11"),
        ({"code": "t", "name": "坏规则", "rule": "aum > 1; DROP TABLE x"}, "rule", "位置 8"),
        ({"code": "t", "name": "坏规则", "rule": "aum > 1", "extra": 1}, "extra", "未知字段"),
        ({"code": "Bad Code", "name": "x", "rule": "aum > 1"}, "code", ""),
        ({"code": "hnw", "name": "另一个", "rule": "aum > 1"}, "code", "已存在"),
        ({"code": "t", "name": "x", "rule": "a" * 2001}, "rule", ""),
        ({"code": "t", "name": "x"}, "rule", ""),
    ],
)
def test_bad_tag_input_is_400_with_the_reason(api, known, hq_admin, body, field, fragment):
    r = api(hq_admin).post("/api/v1/tags/", body, format="json")
    assert r.status_code == 400, r.content
    assert fragment in " ".join(r.json()[field])
    assert TagDefinition.objects.count() == 1


def test_a_json_list_body_is_400(api, known, hq_admin):
    assert api(hq_admin).post("/api/v1/tags/", [1, 2], format="json").status_code == 400


def test_segments_read_and_create(api, known, hq_admin, rm01a):
    r = api(hq_admin).post(
        "/api/v1/segments/", {"code": "rich", "name": "富", "tags": ["hnw"], "match": "all"}, format="json"
    )
    assert r.status_code == 201, r.content
    assert api(rm01a).get("/api/v1/segments/").json() == [
        {"code": "rich", "name": "富", "match": "all", "description": "", "tags": ["hnw"]}
    ]
    assert (
        api(rm01a)
        .post("/api/v1/segments/", {"code": "x", "name": "x", "tags": ["hnw"]}, format="json")
        .status_code
        == 403
    )
    bad = api(hq_admin).post("/api/v1/segments/", {"code": "y", "name": "y", "tags": ["nope"]}, format="json")
    assert bad.status_code == 400 and "nope" in bad.json()["tags"][0]
    assert Segment.objects.count() == 1


def test_the_admin_form_checks_the_rule(known):
    from rm_portal.customers.admin import TagForm

    form = TagForm(data={"code": "x", "name": "甲", "category": "", "rule": "aum >> 1", "active": True})
    assert not form.is_valid() and "位置" in form.errors["rule"][0]
    assert TagForm(
        data={"code": "x", "name": "甲", "category": "", "rule": "aum > 1", "active": True}
    ).is_valid()


@pytest.fixture
def admin_client_(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "x-pass-1"))
    return client


def test_a_tag_saved_in_the_admin_goes_through_the_service_and_is_recomputed(
    admin_client_, known, django_capture_on_commit_callbacks
):
    body = {"code": "small", "name": "小额客户", "category": "资产", "rule": "aum < 100", "active": "on"}
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client_.post("/admin/customers/tagdefinition/add/", body)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert list(
        CustomerTag.objects.filter(tag__code="small").values_list("customer__cust_no", flat=True)
    ) == ["A2"]
    # A change recomputes too: the same service as everywhere else.
    tag = TagDefinition.objects.get(code="small")
    with django_capture_on_commit_callbacks(execute=True):
        r = admin_client_.post(
            f"/admin/customers/tagdefinition/{tag.pk}/change/", {**body, "rule": "aum > 100"}
        )
    assert r.status_code == 302
    assert list(
        CustomerTag.objects.filter(tag__code="small").values_list("customer__cust_no", flat=True)
    ) == ["A1"]


def test_the_admin_refuses_a_bad_rule_and_a_self_reference_with_the_services_words(admin_client_, known):
    base = {"code": "bad", "name": "坏", "category": "", "active": "on"}
    r = admin_client_.post("/admin/customers/tagdefinition/add/", {**base, "rule": "aum >> 1"})
    assert r.status_code == 200 and "位置" in r.content.decode()
    r = admin_client_.post(
        f"/admin/customers/tagdefinition/{known.pk}/change/",
        {"code": "hnw", "name": "高净值", "category": "资产", "rule": "tag(hnw)", "active": "on"},
    )
    assert r.status_code == 200 and "引用自身" in r.content.decode()
    assert TagDefinition.objects.count() == 1
    assert TagDefinition.objects.get().rule == "aum >= 1000000"


def test_a_segment_saved_in_the_admin_goes_through_the_service(admin_client_, known):
    body = {"code": "rich", "name": "富", "match": "all", "description": "", "tags": [known.pk]}
    assert admin_client_.post("/admin/customers/segment/add/", body).status_code == 302
    segment = Segment.objects.get()
    assert [tag.code for tag in segment.tags.all()] == ["hnw"]
    r = admin_client_.post(f"/admin/customers/segment/{segment.pk}/change/", {**body, "name": "更富"})
    assert r.status_code == 302 and Segment.objects.get().name == "更富"


def test_customers_and_the_access_log_are_read_only_in_the_admin(admin_client_, known):
    customer = Customer.objects.get(cust_no="A1")
    assert admin_client_.get("/admin/customers/customer/add/").status_code == 403
    r = admin_client_.post(f"/admin/customers/customer/{customer.pk}/change/", {"name": "改名"})
    assert r.status_code == 403
    assert Customer.objects.get(cust_no="A1").name == customer.name
    assert admin_client_.get("/admin/customers/portraitaccess/add/").status_code == 403
    assert (
        admin_client_.post(f"/admin/customers/tagdefinition/{known.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
