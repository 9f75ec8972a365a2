"""Import of the indicator wide table: encodings, row errors, idempotency, size cap, the job."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from rm_portal.core.models import Job
from rm_portal.customers.models import Customer, CustomerTag, IndicatorValues, OwnershipRecord, TagDefinition
from rm_portal.customers.services.imports import ImportFailed, customers_import
from tests.customers.factories import customer, indicators

AS_OF = date(2026, 11, 20)
GOOD = (
    "cust_no,name,branch,owner,phone,aum,risk_rating,age,gender,is_payroll,td_maturing_days\n"
    "N1,张三,B01,rm01a,13800000001,1200000,C3,45,男,1,3\n"
    "N2,李四,B01,rm01b,13800000002,50,c2,61,女,0,\n"
    "N3,王五,B02,rm02a,,10,C1,30,男,是,20\n"
)


@pytest.fixture
def setup(b01, b02, rm01a, rm01b, rm02a, hq_admin):
    indicators()


def values_of(cust_no: str) -> dict:
    return IndicatorValues.objects.get(customer__cust_no=cust_no, is_latest=True).values


def test_import_creates_customers_values_and_history(setup):
    result = customers_import(raw=GOOD.encode(), as_of=AS_OF)
    assert (result["created"], result["failed"], result["errors"]) == (3, 0, [])
    n1 = Customer.objects.get(cust_no="N1")
    assert (n1.name, n1.branch.code, n1.owner.username, n1.aum, n1.risk_rating) == (
        "张三",
        "B01",
        "rm01a",
        1200000,
        "C3",
    )
    assert values_of("N1") == {
        "aum": 1200000,
        "age": 45,
        "gender": "男",
        "is_payroll": True,
        "td_maturing_days": 3,
    }
    assert values_of("N2") == {"aum": 50, "age": 61, "gender": "女", "is_payroll": False}
    assert Customer.objects.get(cust_no="N2").risk_rating == "C2"
    assert OwnershipRecord.objects.filter(ended_at=None).count() == 3


def test_reimport_is_idempotent(setup):
    customers_import(raw=GOOD.encode(), as_of=AS_OF)
    before = list(
        IndicatorValues.objects.order_by("id").values_list(
            "id", "customer_id", "as_of", "values", "is_latest"
        )
    )
    result = customers_import(raw=GOOD.encode(), as_of=AS_OF)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 3)
    after = list(
        IndicatorValues.objects.order_by("id").values_list(
            "id", "customer_id", "as_of", "values", "is_latest"
        )
    )
    assert after == before
    assert Customer.objects.count() == 3 and OwnershipRecord.objects.count() == 3


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_bom_and_gbk_files_are_read(setup, encoding):
    result = customers_import(raw=GOOD.encode(encoding), as_of=AS_OF)
    assert result["created"] == 3
    assert Customer.objects.get(cust_no="N3").name == "王五"
    assert values_of("N1")["gender"] == "男"


def test_bad_rows_are_reported_and_keep_previous_values(setup, b01, rm01a):
    customer("OLD", rm01a, b01, {"aum": 7, "age": 70}, aum=7)
    csv = (
        "cust_no,aum,age,name,branch\n"
        "OLD,not-a-number,71,,\n"  # row 2: bad number: OLD keeps aum 7 and age 70
        "N9,5,20,新客户,B01\n"  # row 3: fine
        "N9,6,21,重复,B01\n"  # row 4: duplicate cust_no
        "N8,5,20,,\n"  # row 5: new customer without name and branch
        "N7,1,2,甲,B99\n"  # row 6: unknown branch
        "N6,1,2\n"  # row 7: too few columns
        ",1,2,乙,B01\n"  # row 8: empty cust_no
        "N5,1,2,丙,B01\n"  # row 9: fine
    )
    result = customers_import(raw=csv.encode(), as_of=AS_OF)
    rows = {error["row"]: error["detail"] for error in result["errors"]}
    assert sorted(rows) == [2, 4, 5, 6, 7, 8]
    assert "不是数字" in rows[2] and "重复" in rows[4] and "第 3 行" in rows[4]
    assert "name 和 branch" in rows[5] and "B99" in rows[6] and "列数" in rows[7]
    assert result["created"] == 2 and result["failed"] == 6
    assert values_of("OLD") == {"aum": 7, "age": 70}
    assert set(Customer.objects.values_list("cust_no", flat=True)) == {"OLD", "N9", "N5"}


def test_a_newer_import_merges_and_an_empty_cell_clears(setup):
    customers_import(raw=GOOD.encode(), as_of=AS_OF)
    customers_import(raw=b"cust_no,aum,age\nN1,5,\n", as_of=date(2026, 11, 21))
    assert values_of("N1") == {"aum": 5, "gender": "男", "is_payroll": True, "td_maturing_days": 3}
    assert IndicatorValues.objects.filter(customer__cust_no="N1").count() == 2
    # An older file does not overwrite what is newer.
    customers_import(raw=b"cust_no,aum\nN1,999\n", as_of=date(2026, 11, 1))
    assert values_of("N1")["aum"] == 5


def test_owner_must_be_an_active_rm_of_the_customers_branch(setup):
    csv = "cust_no,name,branch,owner\nQ1,甲,B01,rm02a\nQ2,乙,B01,hq_admin\nQ3,丙,B01,rm01b\n"
    result = customers_import(raw=csv.encode(), as_of=AS_OF)
    assert [e["row"] for e in result["errors"]] == [2, 3]
    assert Customer.objects.get(cust_no="Q3").owner.username == "rm01b"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"", "空"),
        (b"name,aum\nx,1\n", "cust_no"),
        (b"cust_no,aum,aum\n", "重复的列"),
        (b"cust_no,no_such_indicator\nA,1\n", "no_such_indicator"),
        (b"\xff\xfe\x00\x00garbage\x81", "编码"),
    ],
)
def test_whole_file_problems_fail_before_writing(setup, raw, fragment):
    with pytest.raises(ImportFailed) as caught:
        customers_import(raw=raw, as_of=AS_OF)
    assert fragment in str(caught.value)
    assert Customer.objects.count() == 0


def test_import_command(setup, tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_bytes(GOOD.encode("gbk"))
    call_command("import_customers", str(path), "--as-of", "2026-11-20")
    assert Customer.objects.count() == 3
    assert "created 3" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_customers", str(tmp_path / "missing.csv"))
    path.write_bytes(b"cust_no,bogus\n")
    with pytest.raises(CommandError):
        call_command("import_customers", str(path))


def upload(content: bytes, name: str = "wide.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_api_import_runs_as_a_job_and_recomputes_tags(
    api, setup, hq_admin, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    TagDefinition.objects.create(code="hnw", name="高净值", rule="aum >= 1000000")
    TagDefinition.objects.create(code="td_due", name="定期到期", rule="td_maturing_days <= 7")
    bad = GOOD + "N4,坏,B01,rm01a,,1,C1,abc,男,1,1\n"
    with django_capture_on_commit_callbacks(execute=True):
        r = api(hq_admin).post(
            "/api/v1/customers/import/", {"file": upload(bad.encode("gbk"))}, format="multipart"
        )
    assert r.status_code == 202, r.content
    job = Job.objects.get(pk=r.json()["job"])
    assert job.owner == hq_admin and job.state == "done", job.errors
    assert (job.processed, job.total) == (4, 4)
    assert job.errors == [{"row": 5, "cust_no": "N4", "detail": "指标 age 的值 abc 不是数字"}]
    assert job.result["created"] == 3 and job.result["tags_added"] == 2
    polled = api(hq_admin).get(f"/api/v1/jobs/{job.pk}/").json()
    assert polled["state"] == "done" and polled["errors"][0]["row"] == 5
    tagged = set(CustomerTag.objects.values_list("tag__code", "customer__cust_no"))
    assert tagged == {("hnw", "N1"), ("td_due", "N1")}
    assert list((tmp_path / "imports" / "customers").iterdir()) == []  # the upload is removed when done


def test_api_import_refuses_bad_files_at_once(api, setup, hq_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api(hq_admin)
    r = client.post("/api/v1/customers/import/", {"file": upload(b"cust_no,bogus\n")}, format="multipart")
    assert r.status_code == 400 and "bogus" in r.json()["detail"]
    r = client.post("/api/v1/customers/import/", {}, format="multipart")
    assert r.status_code == 400 and "file" in r.json()
    r = client.post(
        "/api/v1/customers/import/", {"file": upload(GOOD.encode()), "extra": "1"}, format="multipart"
    )
    assert r.status_code == 400 and "extra" in r.json()
    r = client.post(
        "/api/v1/customers/import/", {"file": upload(GOOD.encode()), "as_of": "yesterday"}, format="multipart"
    )
    assert r.status_code == 400 and "as_of" in r.json()
    assert Job.objects.count() == 0 and Customer.objects.count() == 0


def test_api_import_refuses_an_oversized_upload(api, setup, hq_admin, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.CUSTOMER_IMPORT_MAX_BYTES = 1024
    big = GOOD.encode() + b"N9,x,B01,,,1,C1,1,m,1,1\n" * 200
    r = api(hq_admin).post("/api/v1/customers/import/", {"file": upload(big)}, format="multipart")
    assert r.status_code == 413
    assert "过大" in r.json()["detail"]
    assert Job.objects.count() == 0


def test_api_import_is_head_office_only(api, anon, setup, rm01a, lead01, compliance):
    for user in (rm01a, lead01, compliance):
        r = api(user).post("/api/v1/customers/import/", {"file": upload(GOOD.encode())}, format="multipart")
        assert r.status_code == 403
    assert (
        anon.post(
            "/api/v1/customers/import/", {"file": upload(GOOD.encode())}, format="multipart"
        ).status_code
        == 401
    )
    assert Customer.objects.count() == 0
