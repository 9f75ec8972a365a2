"""The import page: a template file with the accepted header, the indicator list, and progress words
that follow the job."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rm_portal.core.models import Job
from rm_portal.customers.models import Customer, IndicatorDefinition
from rm_portal.customers.progress import job_progress
from rm_portal.customers.services.imports.rows import CUSTOMER_COLUMNS
from tests.customers.factories import INDICATORS, indicators

pytestmark = pytest.mark.django_db
URL = "/customers/import/template.csv"


@pytest.fixture
def hq_page(client, hq_admin):
    indicators()
    client.force_login(hq_admin)
    return client


def header_of(body: bytes, encoding: str) -> list[str]:
    rows = list(csv.reader(io.StringIO(body.decode(encoding))))
    assert len(rows) == 1, "the template is the header row alone"
    return rows[0]


@pytest.mark.parametrize(("encoding", "codec"), [("utf-8", "utf-8-sig"), ("gbk", "gbk")])
def test_the_template_decodes_and_its_header_is_the_accepted_columns(hq_page, encoding, codec):
    r = hq_page.get(URL, {"encoding": encoding})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert "attachment" in r["Content-Disposition"]
    body = b"".join(r.streaming_content) if r.streaming else r.content
    header = header_of(body, codec)
    codes = [code for code, *_rest in INDICATORS]
    assert header[0] == "cust_no"
    assert header[1 : 1 + len(CUSTOMER_COLUMNS)] == list(CUSTOMER_COLUMNS)
    assert set(header) == {"cust_no", *CUSTOMER_COLUMNS, *codes}
    assert len(header) == len(set(header))  # aum is a customer column and an indicator: once
    if encoding == "utf-8":
        assert body.startswith(b"\xef\xbb\xbf")  # Excel reads a BOM-less UTF-8 file as the local code page


def test_a_new_indicator_appears_in_the_template(hq_page):
    IndicatorDefinition.objects.create(code="fx_holder", name="外汇持有", group="holding", type="flag")
    assert "fx_holder" in header_of(hq_page.get(URL).content, "utf-8-sig")


def test_the_filled_template_imports(hq_page, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    header = header_of(hq_page.get(URL, {"encoding": "gbk"}).content, "gbk")
    row = {name: "" for name in header} | {"cust_no": "T1", "name": "模板客户", "branch": "HQ", "age": "30"}
    out = io.StringIO()
    csv.writer(out).writerows([header, [row[name] for name in header]])
    with django_capture_on_commit_callbacks(execute=True):
        hq_page.post(
            "/customers/import/", {"file": SimpleUploadedFile("t.csv", out.getvalue().encode("gbk"))}
        )
    assert Job.objects.get().state == "done", Job.objects.get().errors
    assert Customer.objects.get(cust_no="T1").name == "模板客户"


def test_the_page_offers_the_templates_and_lists_the_indicators(hq_page):
    html = hq_page.get("/customers/import/").content.decode()
    assert f"{URL}?encoding=utf-8" in html and f"{URL}?encoding=gbk" in html
    assert "GBK" in html and "UTF-8" in html
    for code, name, _group, _kind, _unit in INDICATORS:
        assert f"<code>{code}</code>" in html and name in html
    assert "指标清单（7 项）" in html and "是否" in html  # the flag type, in words


def test_the_template_is_head_office_only_and_refuses_an_unknown_encoding(client, hq_page, rm01a, lead01):
    assert hq_page.get(URL, {"encoding": "latin-1"}).status_code == 404
    for user in (rm01a, lead01):
        client.force_login(user)
        assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    ("state", "processed", "total", "text", "percent"),
    [
        ("queued", 0, None, "排队中", 0),
        ("queued", 0, 500, "排队中", 0),
        ("queued", 500, 500, "正在收尾", 99),  # a resumed job counted to the end: never 排队中 at 100 %
        ("queued", 100, 500, "导入中 20%", 20),
        ("running", 0, None, "导入中 0%", 0),
        ("running", 250, 500, "导入中 50%", 50),
        ("running", 499, 500, "导入中 99%", 99),
        ("running", 500, 500, "正在收尾", 99),
        ("done", 500, 500, "已完成", 100),
        ("done", 0, 0, "已完成", 100),
        ("failed", 100, 400, "失败 25%", 25),
    ],
)
def test_the_progress_words_follow_state_and_progress(state, processed, total, text, percent):
    progress = job_progress(state=state, processed=processed, total=total)
    assert (progress.text, progress.percent) == (text, percent)


def test_the_page_shows_the_words_of_each_job(hq_page, hq_admin):
    Job.objects.create(owner=hq_admin, kind="customers_import", state="queued", processed=300, total=300)
    Job.objects.create(owner=hq_admin, kind="customers_import", state="done", processed=300, total=300)
    html = hq_page.get("/customers/import/").content.decode()
    assert html.count('data-testid="job-state">正在收尾<') == 1
    assert html.count('data-testid="job-state">已完成<') == 1
    assert 'aria-valuenow="99"' in html and 'aria-valuenow="100"' in html
    assert ">排队中<" not in html
