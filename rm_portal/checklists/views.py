"""Phone pages for checklists; plain forms, so they work without JavaScript."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rm_portal.checklists import selectors, services
from rm_portal.checklists.clock import local_moment, local_today
from rm_portal.checklists.exports import runs_csv
from rm_portal.checklists.forms import (
    BLANK_ROWS,
    HolidayUploadForm,
    ItemCompleteForm,
    ItemFormSet,
    RunAuditForm,
    TemplateForm,
    items_initial,
    template_initial,
)
from rm_portal.checklists.models import ChecklistRun, Holiday, RunAudit
from rm_portal.checklists.photos import MAX_BYTES
from rm_portal.checklists.rules import ASSIGNABLE, MAX_ITEMS
from rm_portal.checklists.selectors import DayFigures
from rm_portal.core.dates import in_range
from rm_portal.core.errors import DomainError, Invalid
from rm_portal.core.requests import AuthedHttpRequest
from rm_portal.org.access import role_of
from rm_portal.org.models import Role
from rm_portal.web.decorators import staff_page
from rm_portal.web.errors import show_error

LEADS = (Role.BRANCH_LEAD, Role.HEAD_OFFICE)


def _refusal(form: forms.Form) -> Invalid:
    # A form the page does not redisplay (the run page redirects): its errors as one message.
    return Invalid(fields={name: [str(m) for m in errors] for name, errors in form.errors.items()})


@staff_page()
def mine(request: AuthedHttpRequest) -> HttpResponse:
    today = local_today()
    runs = list(selectors.my_runs(user=request.user, on=today))
    recent = selectors.my_recent_runs(
        user=request.user, since=today - timedelta(days=13), until=today - timedelta(days=1)
    )
    return render(
        request,
        "checklists/mine.html",
        {"runs": runs, "recent": recent, "today": today, "now": timezone.now()},
    )


def _run_page(request: AuthedHttpRequest, run: ChecklistRun, *, status: int = 200) -> HttpResponse:
    """The run page. After a refused one-form submit (status 400) each item shows what was typed
    and ticked, so only the photos have to be chosen again."""
    items = list(run.items.all())
    posted = request.method == "POST"
    for item in items:
        item.form_note = request.POST.get(f"note-{item.pk}", "") if posted else item.note  # type: ignore[attr-defined]
        item.form_done = (request.POST.get(f"done-{item.pk}") == "1") if posted else item.done  # type: ignore[attr-defined]
    context = {
        "run": run,
        "items": items,
        "audits": list(run.audits.all()),
        "mine": selectors.may_complete(request.user, run),
        "can_audit": role_of(request.user) == Role.BRANCH_LEAD
        and run.status == ChecklistRun.Status.SUBMITTED,
        "editable": run.status not in (ChecklistRun.Status.APPROVED, ChecklistRun.Status.MISSED),
        "now": timezone.now(),
        "opens": local_moment(run.date, run.template.time_of_day),
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    return render(request, "checklists/run.html", context, status=status)


@staff_page()
def run_detail(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    return _run_page(request, selectors.run_for(request.user, pk))


NOTE_MAX = 2000


@staff_page(*ASSIGNABLE)
@require_POST
def run_submit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The one form of a run: every item's tick, photo and note in one multipart post, stored
    all together or not at all (services.run_complete)."""
    run = selectors.run_to_complete_for(request.user, pk)
    answers = []
    too_long = []
    for position, item in enumerate(run.items.all(), start=1):
        note = request.POST.get(f"note-{item.pk}", "")
        if len(note) > NOTE_MAX:
            too_long.append(_("第 %(n)d 项：备注最多 %(max)d 字") % {"n": position, "max": NOTE_MAX})
        upload = request.FILES.get(f"photo-{item.pk}")
        answers.append(
            services.Answer(
                item_id=item.pk,
                done=request.POST.get(f"done-{item.pk}") == "1",
                photo=upload if upload else None,  # an empty file input is no photo on a page
                note=note,
            )
        )
    if too_long:
        messages.error(request, "；".join([_("未保存任何一项，请改正后重新提交"), *too_long]))
        return _run_page(request, selectors.run_for(request.user, pk), status=400)
    try:
        stored = services.run_complete(run=run, by=request.user, answers=answers)
    except DomainError as error:
        show_error(request, error)
        return _run_page(request, selectors.run_for(request.user, pk), status=error.status)
    run.refresh_from_db(fields=["status"])
    if run.status == ChecklistRun.Status.SUBMITTED:
        messages.success(request, _("已提交 %(name)s，等待审核") % {"name": run.name})
    else:
        left = run.items.filter(done=False).count()
        messages.success(
            request, _("已保存 %(n)d 项，还有 %(left)d 项未完成") % {"n": len(stored), "left": left}
        )
    return redirect("checklists:run", pk=pk)


@staff_page()
def photo_view(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    """The photo full size on its own page: works without JavaScript, a link back to the run, and
    the run's other photos one tap (or Tab + Enter) away."""
    item = selectors.item_for(request.user, pk)
    if not item.photo:
        raise Http404
    photos = [other for other in item.run.items.all() if other.photo]
    at = next(i for i, other in enumerate(photos) if other.pk == item.pk)
    context = {
        "item": item,
        "run": item.run,
        "position": at + 1,
        "count": len(photos),
        "previous": photos[at - 1] if at > 0 else None,
        "next": photos[at + 1] if at + 1 < len(photos) else None,
        "back": request.GET.get("back") == "queue",
    }
    return render(request, "checklists/photo.html", context)


@staff_page(*ASSIGNABLE)
@require_POST
def item_complete(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_to_complete_for(request.user, pk)
    form = ItemCompleteForm(request.POST, request.FILES)
    if not form.is_valid():
        show_error(request, _refusal(form))
        return redirect("checklists:run", pk=item.run_id)
    upload = form.cleaned_data["photo"]
    try:
        services.item_complete(
            item=item,
            by=request.user,
            photo=upload if upload else None,  # an empty file input is no photo on a page
            note=form.cleaned_data["note"],
        )
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已完成：%(text)s") % {"text": item.text})
    return redirect("checklists:run", pk=item.run_id)


@staff_page()
def item_photo(request: AuthedHttpRequest, pk: int) -> FileResponse:
    item = selectors.item_for(request.user, pk)
    if not item.photo:
        raise Http404
    response = FileResponse(item.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@staff_page(Role.BRANCH_LEAD)
@require_POST
def run_audit(request: AuthedHttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_for(request.user, pk)
    form = RunAuditForm(request.POST)
    if not form.is_valid():
        show_error(request, _refusal(form))
        return redirect("checklists:run", pk=pk)
    try:
        services.run_audit(run=run, by=request.user, **form.cleaned_data)
    except DomainError as error:
        show_error(request, error)
        return redirect("checklists:run", pk=pk)
    messages.success(request, _verdict_words(run, form.cleaned_data["verdict"]))
    return redirect("checklists:queue")


def _who(run: ChecklistRun) -> str:
    return run.branch.name if run.per_branch else run.assignee.staff.name


def _verdict_words(run: ChecklistRun, verdict: str) -> str:
    """已通过 张晓明 晨会 12-02 / 已退回 …: the banner says which of the two was done, to whom."""
    what = {"who": _who(run), "name": run.name, "date": run.date.strftime("%m-%d")}
    if verdict == RunAudit.Verdict.APPROVED:
        return _("已通过 %(who)s %(name)s %(date)s") % what
    return _("已退回 %(who)s %(name)s %(date)s") % what


BATCH_MAX = 100


@staff_page(Role.BRANCH_LEAD)
@require_POST
def batch_approve(request: AuthedHttpRequest) -> HttpResponse:
    """Approve the ticked runs of the queue, each on its own: one refused (the lead's own work,
    already audited) does not stop the others, and the banner states every result."""
    ids = [int(value) for value in request.POST.getlist("run") if value.isdigit()][:BATCH_MAX]
    back = redirect(f"{reverse('checklists:queue')}?status={ChecklistRun.Status.SUBMITTED}")
    if not ids:
        messages.error(request, _("请先勾选要通过的动作"))
        return back
    found = {run.pk: run for run in selectors.run_list(user=request.user).filter(pk__in=ids)}
    approved, refused = [], []
    for pk in dict.fromkeys(ids):
        run = found.get(pk)
        if run is None:
            refused.append(_("第 %(pk)d 号：不存在或不在您的网点") % {"pk": pk})
            continue
        label = f"{_who(run)} {run.name} {run.date:%m-%d}"
        try:
            services.run_audit(run=run, by=request.user, verdict=RunAudit.Verdict.APPROVED)
        except DomainError as error:
            refused.append(f"{label}：{'；'.join(error.messages())}")
        else:
            approved.append(label)
    if approved:
        messages.success(
            request,
            _("已通过 %(n)d 项：%(list)s") % {"n": len(approved), "list": "、".join(approved)},
        )
    if refused:
        messages.error(
            request, _("%(n)d 项未通过：%(list)s") % {"n": len(refused), "list": "；".join(refused)}
        )
    return back


def _day(request: AuthedHttpRequest, name: str) -> date | None:
    # Pages are forgiving: a bad or out-of-range date in the address bar falls back to the
    # default view (0001-01-05 would overflow the date arithmetic below).
    try:
        parsed = date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None
    return parsed if in_range(parsed) else None


def _range(request: AuthedHttpRequest, longest: int) -> tuple[date, date]:
    until = _day(request, "until") or local_today()
    since = _day(request, "since") or until - timedelta(days=13)
    if since > until or (until - since).days > longest:
        since = until - timedelta(days=13)
    return since, until


@staff_page(*LEADS)
def queue(request: AuthedHttpRequest) -> HttpResponse:
    on = _day(request, "date")
    status = request.GET.get("status", ChecklistRun.Status.SUBMITTED)
    if status not in ChecklistRun.Status.values and status != "all":
        status = ChecklistRun.Status.SUBMITTED
    found = selectors.run_list(user=request.user, on=on, status="" if status == "all" else status)
    runs = list(found.prefetch_related("items")[:100])
    context = {
        "runs": runs,
        "status": status,
        "date": on,
        "statuses": ChecklistRun.Status.choices,
        "batchable": any(run.status == ChecklistRun.Status.SUBMITTED for run in runs),
    }
    return render(request, "checklists/queue.html", context)


def _chart(by_day: list[DayFigures]) -> dict[str, Any]:
    """A server-drawn SVG bar chart of the daily completion rate; no chart library, no JS."""
    width, height, top, bottom = 340, 140, 10, 24
    n = max(len(by_day), 1)
    slot = width / n
    bars = []
    for index, row in enumerate(by_day):
        rate = row.completion_rate or 0
        on_time = row.on_time_rate or 0
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
                "label": row.date.strftime("%m-%d"),
                "lx": round(x + slot * 0.35, 1),
                "pct": round(rate * 100),
            }
        )
    return {"width": width, "height": height, "bars": bars, "base": height - bottom, "label_y": height - 8}


@staff_page(*LEADS)
def dashboard(request: AuthedHttpRequest) -> HttpResponse:
    since, until = _range(request, longest=92)
    figures = selectors.dashboard(user=request.user, since=since, until=until)
    context = {
        "figures": figures,
        "chart": _chart(figures.by_day),
        "since": since,
        "until": until,
        "head_office": role_of(request.user) == Role.HEAD_OFFICE,
    }
    return render(request, "checklists/dashboard.html", context)


@staff_page(Role.HEAD_OFFICE)
def setup(request: AuthedHttpRequest) -> HttpResponse:
    """Head office: the templates in force and the holiday calendar (CSV upload)."""
    if request.method == "POST":
        form = HolidayUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            show_error(request, _refusal(form))
            return redirect("checklists:setup")
        try:
            stored = services.holidays_import(upload=form.cleaned_data["file"])
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("已导入 %(n)d 个节假日") % {"n": stored})
        return redirect("checklists:setup")
    today = local_today()
    context = {
        "templates": selectors.template_list(),
        "holidays": Holiday.objects.filter(date__gte=today)[:60],
        "weekday_names": dict(
            enumerate([_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")], start=1)
        ),
    }
    return render(request, "checklists/setup.html", context)


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
def template_edit(request: AuthedHttpRequest, pk: int | None = None) -> HttpResponse:
    """Head office creates (pk=None) or edits a template on the phone, through services.template_save."""
    template = selectors.template_for(request.user, pk) if pk is not None else None
    if request.method == "POST" and "more" in request.POST:
        data = _more_rows(request.POST)
        form, formset = TemplateForm(data, template=template), ItemFormSet(data, prefix="items")
    elif request.method == "POST":
        form = TemplateForm(request.POST, template=template)
        formset = ItemFormSet(request.POST, prefix="items")
        if form.is_valid() and formset.is_valid():
            try:
                saved = services.template_save(
                    template=template, **form.template_fields(), items=formset.items()
                )
            except DomainError as error:
                show_error(request, error, form)
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
        form = TemplateForm(initial=template_initial(template), template=template)
        formset = ItemFormSet(initial=items_initial(template), prefix="items")
    context = {"template": template, "form": form, "formset": formset}
    return render(request, "checklists/template_form.html", context)


@staff_page(Role.HEAD_OFFICE)
def export(request: AuthedHttpRequest) -> HttpResponse:
    since, until = _range(request, longest=366)
    return runs_csv(user=request.user, since=since, until=until)
