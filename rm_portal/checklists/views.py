"""Phone pages for checklists; plain forms, so they work without JavaScript."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.exceptions import APIException, ValidationError

from rm_portal.checklists import selectors, services
from rm_portal.checklists.exports import runs_csv
from rm_portal.checklists.forms import (
    BLANK_ROWS,
    ItemFormSet,
    TemplateForm,
    items_initial,
    template_initial,
)
from rm_portal.checklists.inputs import ASSIGNABLE, MAX_ITEMS
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, Holiday, RunAudit
from rm_portal.checklists.photos import MAX_BYTES, PhotoRejected
from rm_portal.org.access import staff_of
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page

LEADS = (Role.BRANCH_LEAD, Role.HEAD_OFFICE)


def _error_text(exc: APIException) -> str:
    detail = exc.detail
    if isinstance(detail, dict):
        return "；".join(str(m) for messages_ in detail.values() for m in messages_)
    if isinstance(detail, list):
        return "；".join(str(m) for m in detail)
    return str(detail)


@staff_page()
def mine(request: HttpRequest) -> HttpResponse:
    today = services.local_today()
    runs = list(selectors.my_runs(user=request.user, on=today))
    recent = (
        ChecklistRun.objects.filter(
            selectors.mine_rule(request.user), date__lt=today, date__gte=today - timedelta(days=13)
        )
        .order_by("-date", "due_at")
        .only("id", "name", "date", "status", "late")
    )
    return render(
        request,
        "checklists/mine.html",
        {"runs": runs, "recent": recent, "today": today, "now": timezone.now()},
    )


@staff_page()
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_for(request.user, pk)
    staff = staff_of(request.user)
    context = {
        "run": run,
        "items": list(run.items.all()),
        "audits": list(run.audits.all()),
        "mine": selectors.may_complete(request.user, run),
        "can_audit": staff.role == Role.BRANCH_LEAD and run.status == ChecklistRun.Status.SUBMITTED,
        "editable": run.status not in (ChecklistRun.Status.APPROVED, ChecklistRun.Status.MISSED),
        "now": timezone.now(),
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return render(request, "checklists/run.html", context)


@staff_page(*ASSIGNABLE)
@require_POST
def item_complete(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.own_item_for(request.user, pk)
    upload = request.FILES.get("photo")
    try:
        if upload is not None and upload.size > MAX_BYTES:
            raise PhotoRejected(_("照片过大（上限 %(mb)d MB）") % {"mb": MAX_BYTES // (1024 * 1024)})
        services.item_complete(
            item=item,
            by=request.user,
            photo=upload.read() if upload is not None and upload.size else None,
            note=request.POST.get("note", "")[:2000],
        )
    except PhotoRejected as rejected:
        messages.error(request, rejected.reason)
    except APIException as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("已完成：%(text)s") % {"text": item.text})
    return redirect("checklists:run", pk=item.run_id)


@staff_page()
def item_photo(request: HttpRequest, pk: int) -> FileResponse:
    item = selectors.visible_item_for(request.user, pk)
    if not item.photo:
        raise Http404
    response = FileResponse(item.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_page(Role.BRANCH_LEAD)
@require_POST
def run_audit(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_for(request.user, pk)
    verdict = request.POST.get("verdict", "")
    if verdict not in RunAudit.Verdict.values:
        messages.error(request, _("请选择通过或退回"))
        return redirect("checklists:run", pk=pk)
    try:
        services.run_audit(
            run=run, by=request.user, verdict=verdict, comment=request.POST.get("comment", "")[:1000]
        )
    except (ValidationError, APIException) as exc:
        messages.error(request, _error_text(exc))
        return redirect("checklists:run", pk=pk)
    who = run.branch.name if run.per_branch else run.assignee.staff.name
    messages.success(request, _("已审核：%(name)s %(who)s") % {"name": run.name, "who": who})
    return redirect("checklists:queue")


def _day(request: HttpRequest, name: str, default: date | None) -> date | None:
    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


@staff_page(*LEADS)
def queue(request: HttpRequest) -> HttpResponse:
    on = _day(request, "date", None)
    status = request.GET.get("status", ChecklistRun.Status.SUBMITTED)
    if status not in ChecklistRun.Status.values and status != "all":
        status = ChecklistRun.Status.SUBMITTED
    runs = selectors.run_list(user=request.user, on=on, status="" if status == "all" else status)
    runs = runs.prefetch_related("items")[:100]
    return render(
        request,
        "checklists/queue.html",
        {"runs": runs, "status": status, "date": on, "statuses": ChecklistRun.Status.choices},
    )


def _chart(by_day: list[dict]) -> dict:
    """A server-drawn SVG bar chart of the daily completion rate; no chart library, no JS."""
    width, height, top, bottom = 340, 140, 10, 24
    n = max(len(by_day), 1)
    slot = width / n
    bars = []
    for index, row in enumerate(by_day):
        rate = row["completion_rate"] or 0
        on_time = row["on_time_rate"] or 0
        bar_h = (height - top - bottom) * rate
        on_time_h = (height - top - bottom) * on_time
        x = index * slot + slot * 0.15
        bars.append(
            {
                "x": round(x, 1),
                "w": round(slot * 0.7, 1),
                "y": round(height - bottom - bar_h, 1),
                "h": round(bar_h, 1),
                "y2": round(height - bottom - on_time_h, 1),
                "h2": round(on_time_h, 1),
                "label": row["date"][5:],
                "lx": round(x + slot * 0.35, 1),
                "pct": round(rate * 100),
            }
        )
    return {"width": width, "height": height, "bars": bars, "base": height - bottom, "label_y": height - 8}


@staff_page(*LEADS)
def dashboard(request: HttpRequest) -> HttpResponse:
    today = services.local_today()
    until = _day(request, "until", today) or today
    since = _day(request, "since", until - timedelta(days=13)) or until - timedelta(days=13)
    if since > until or (until - since).days > 92:
        since = until - timedelta(days=13)
    figures = selectors.dashboard(user=request.user, since=since, until=until)
    context = {
        "figures": figures,
        "chart": _chart(figures["by_day"]),
        "since": since,
        "until": until,
        "head_office": staff_of(request.user).role == Role.HEAD_OFFICE,
    }
    return render(request, "checklists/dashboard.html", context)


@staff_page(Role.HEAD_OFFICE)
def setup(request: HttpRequest) -> HttpResponse:
    """Head office: the templates in force and the holiday calendar (CSV upload)."""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None or upload.size > 1024 * 1024:
                raise ValidationError({"file": [_("请选择不超过 1 MB 的 CSV 文件")]})
            stored = services.holidays_import(data=upload.read())
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("已导入 %(n)d 个节假日") % {"n": stored})
        return redirect("checklists:setup")
    today = services.local_today()
    context = {
        "templates": selectors.template_list(),
        "holidays": Holiday.objects.filter(date__gte=today)[:60],
        "weekday_names": dict(
            enumerate([_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")], start=1)
        ),
    }
    return render(request, "checklists/setup.html", context)


def _messages(detail: object) -> list[str]:
    """Every message in a DRF error detail, however nested (lists, dicts by index or key)."""
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _messages(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _messages(value)]
    return [str(detail)]


def _attach(exc: ValidationError, form: TemplateForm, rows: list) -> list[str]:
    """Put the service's errors next to the fields they are about; returns those about all items."""
    items_errors: list[str] = []
    detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    for field, errors in detail.items():
        if field == "items" and isinstance(errors, list) and len(errors) == len(rows):
            for row, row_errors in zip(rows, errors, strict=True):
                for key, messages_ in (row_errors or {}).items():
                    row.add_error(key if key in row.fields else None, _messages(messages_))
        elif field == "items":
            items_errors += _messages(errors)
        else:
            form.add_error(field if field in form.fields else None, _messages(errors))
    return items_errors


def _more_rows(data: QueryDict) -> QueryDict:
    # "添加 3 行" without JavaScript: the same form back, three more blank rows, nothing saved.
    data = data.copy()
    try:
        total = int(data.get("items-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    data["items-TOTAL_FORMS"] = str(min(total + BLANK_ROWS, MAX_ITEMS + BLANK_ROWS))
    return data


@staff_page(Role.HEAD_OFFICE)
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Head office creates (pk=None) or edits a template on the phone, through services.template_save."""
    template, items_errors = None, []
    if pk is not None:
        template = get_object_or_404(ChecklistTemplate.objects.prefetch_related("items", "branches"), pk=pk)
    if request.method == "POST" and "more" in request.POST:
        data = _more_rows(request.POST)
        form, formset = TemplateForm(data), ItemFormSet(data, prefix="items")
    elif request.method == "POST":
        form, formset = TemplateForm(request.POST), ItemFormSet(request.POST, prefix="items")
        if form.is_valid() and formset.is_valid():
            items, rows = formset.service_items()
            try:
                data = {**form.service_data(), "items": items}
                saved = services.template_save(data=data, template=template)
            except ValidationError as exc:
                items_errors = _attach(exc, form, rows)
            else:
                if template is None:
                    messages.success(request, _("已创建模板“%(name)s”") % {"name": saved.name})
                else:
                    messages.success(
                        request,
                        _("已保存“%(name)s”第 %(version)d 版；已生成的记录不变")
                        % {"name": saved.name, "version": saved.version},
                    )
                return redirect("checklists:setup")
    else:
        form = TemplateForm(initial=template_initial(template))
        formset = ItemFormSet(initial=items_initial(template), prefix="items")
    context = {"template": template, "form": form, "formset": formset, "items_errors": items_errors}
    return render(request, "checklists/template_form.html", context)


@staff_page(Role.HEAD_OFFICE)
def export(request: HttpRequest) -> HttpResponse:
    today = services.local_today()
    until = _day(request, "until", today) or today
    since = _day(request, "since", until - timedelta(days=13)) or until - timedelta(days=13)
    if since > until or (until - since).days > 366:
        since = until - timedelta(days=13)
    return runs_csv(user=request.user, since=since, until=until)
