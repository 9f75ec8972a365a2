"""Every page of every role, over the small demo (`seed_demo --small`), for the accessibility walk.

A page is (name, path, expected status). Paths that need a row are found the way the person would
reach them: the first of their own rows. `tests/browser/test_accessibility.py` also checks that
every page URL of the URL confs is named here or exempted with a reason, so a new page joins the
walk instead of escaping it."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User

from compliance.models import Alert, Conversation, Term
from materials.models import Kind, Material
from materials.services.materials import material_create
from materials.services.shares import share_create
from rm_portal.checklists.models import ChecklistRun, ChecklistTemplate, RunItem
from rm_portal.customers.models import Customer
from rm_portal.opportunities.models import Opportunity
from rm_portal.org.access import scope
from rm_portal.wecom.models import ContactFollow


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    status: int = 200


ROLES = {"rm": "rm01a", "lead": "lead01", "compliance": "compliance", "head_office": "hq_admin"}

# URL names that are not pages a person reads: files, images, POST-only actions, the API.
NOT_PAGES = {
    "landing-file": "a file download",
    "landing-wechat-qr": "an image",
    "file": "a file download",
    "background": "an image",
    "me-wechat-qr": "POST only",
    "me-wechat-qr-remove": "POST only",
    "me-wechat-qr-image": "an image",
    "notification-open": "POST only",
    "notifications-read-all": "POST only",
    "logout": "POST only",
    "conversation-hold": "POST only",
    "item-complete": "POST only",
    "item-photo": "an image",
    "run-audit": "POST only",
    "export": "a CSV file",
    "call": "a redirect to tel:",
    "complete": "POST only",
    "review-one": "POST only",
    "callback": "WeCom's signed callback",
    "set_language": "POST only",
    "healthz": "JSON",
    "import-template": "a CSV file",
    "publish": "POST only",
    "withdraw": "POST only",
    "admin-password-change": "the Django admin",
    "note": "POST only",
    "run-submit": "POST only",
    "batch-approve": "POST only",
    "handover-confirm": "POST only",
    "handover-record": "needs a confirmed handover: tests/browser/test_handover.py walks it",
    "me-code-make": "POST only",
    "me-code-image": "an image",
    "demo": "a demo tool that is a 404 unless WECOM_SIM_URL names a simulator",
    "demo-add": "POST only",
    "demo-code": "POST only",
    "landing-wecom-code": "an image",
    "outreach-send": "POST only",
    "sidebar-send": "POST only",
    "sidebar": "opened from WeCom's chat toolbar with a signed context: tests/browser/test_sidebar.py",
    "sidebar-contact": "a contact's sidebar panel: tests/browser/test_sidebar.py walks it",
    "outreach-approve": "POST only",
    "outreach-detail": "the small demo seeds no outreach task: tests/outreach/test_pages.py renders it",
}


def _first(queryset, user: User):
    row = scope(user, queryset).order_by("pk").first()
    assert row is not None, f"the small demo gives {user.username} no {queryset.model.__name__}"
    return row


def pages_for(role: str) -> list[Page]:
    user = User.objects.get(username=ROLES[role])
    common = [
        Page("today", "/"),
        Page("notifications", "/notifications/"),
        Page("me", "/me/"),
        Page("404", "/no-such-page/", 404),
    ]
    material = _first(Material.objects.exclude(kind=Kind.POSTER), user)
    if role == "rm":
        customer = _first(Customer.objects.all(), user)
        poster = _first(Material.objects.filter(kind=Kind.POSTER), user)
        conversation = scope(user, Conversation.objects.all()).order_by("pk").first()
        contact = _first(ContactFollow.objects.select_related("contact"), user).contact.external_userid
        photo = scope(user, RunItem.objects.exclude(photo="")).order_by("pk").first()
        return [
            *common,
            Page("contacts", "/wecom/contacts/"),
            Page("contact", f"/wecom/contacts/{contact}/"),
            Page("contact-bind", f"/wecom/contacts/{contact}/bind/"),
            Page("outreach", "/outreach/"),
            Page("outreach-new", "/outreach/new/"),
            Page("pick", "/customers/pick/?q=%E5%BC%A0"),
            *([Page("photo-view", f"/checklists/items/{photo.pk}/view/")] if photo else []),
            Page("customers", "/customers/"),
            Page("customer", f"/customers/{customer.cust_no}/"),
            Page("opportunities", "/opportunities/"),
            Page("opportunity", f"/opportunities/{_first(Opportunity.objects.all(), user).pk}/"),
            Page("opportunity-stats", "/opportunities/stats/"),
            Page("materials", "/materials/"),
            Page("material", f"/materials/{material.pk}/"),
            Page("poster-template", f"/materials/{poster.pk}/"),
            Page("poster", f"/materials/{poster.pk}/poster/"),
            Page("share-stats", "/materials/stats/"),
            Page("check", "/compliance/check/"),
            Page("search", "/compliance/search/"),
            *(
                [Page("conversation", f"/compliance/conversations/{conversation.pk}/")]
                if conversation
                else []
            ),
            Page("checklists", "/checklists/"),
            Page("run", f"/checklists/runs/{_first(ChecklistRun.objects.all(), user).pk}/"),
            Page("403", "/customers/import/", 403),
        ]
    if role == "lead":
        customer = _first(Customer.objects.all(), user)
        return [
            *common,
            Page("customers", "/customers/"),
            Page("customer", f"/customers/{customer.cust_no}/"),
            Page("handover", "/customers/handover/"),
            Page("handover-preview", "/customers/handover/preview/?leaver=rm01a&to=rm01b"),
            Page("contacts", "/wecom/contacts/"),
            Page("wecom-stats", "/wecom/stats/"),
            Page("outreach", "/outreach/"),
            Page("outreach-new", "/outreach/new/"),
            Page("opportunities", "/opportunities/"),
            Page("opportunity", f"/opportunities/{_first(Opportunity.objects.all(), user).pk}/"),
            Page("review", "/opportunities/review/"),
            Page("opportunity-stats", "/opportunities/stats/"),
            Page("materials", "/materials/"),
            Page("material", f"/materials/{material.pk}/"),
            Page("share-stats", "/materials/stats/"),
            Page("check", "/compliance/check/"),
            Page("search", "/compliance/search/"),
            Page("checklists", "/checklists/"),
            Page("queue", "/checklists/queue/"),
            Page("dashboard", "/checklists/dashboard/"),
            Page("run", f"/checklists/runs/{_first(ChecklistRun.objects.all(), user).pk}/"),
            Page("403", "/compliance/alerts/", 403),
        ]
    if role == "compliance":
        return [
            *common,
            Page("alerts", "/compliance/alerts/"),
            Page("alert", f"/compliance/alerts/{_first(Alert.objects.all(), user).pk}/"),
            Page("conversation", f"/compliance/conversations/{_first(Conversation.objects.all(), user).pk}/"),
            Page("search", "/compliance/search/"),
            Page("search-results", "/compliance/search/?q=%E6%94%B6%E7%9B%8A"),
            Page("audit", "/compliance/audit/"),
            Page("terms", "/compliance/terms/"),
            Page("detectors", "/compliance/detectors/"),
            Page("outreach", "/outreach/"),
            Page("term", f"/compliance/terms/{_first(Term.objects.all(), user).pk}/"),
            Page("check", "/compliance/check/"),
            Page("403", "/customers/", 403),
        ]
    # The demo publishes everything; a draft makes head office's drafts card and draft state appear.
    draft = material_create(by=user, kind=Kind.SCRIPT, title="草稿话术", body="{customer_name}您好")
    customer = _first(Customer.objects.all(), user)
    poster = _first(Material.objects.filter(kind=Kind.POSTER), user)
    template = ChecklistTemplate.objects.order_by("pk").first()  # templates are head office's own, unscoped
    assert template is not None
    return [
        *common,
        Page("customers", "/customers/"),
        Page("customer", f"/customers/{customer.cust_no}/"),
        Page("import", "/customers/import/"),
        Page("signals", "/matching/"),
        Page("wecom-stats", "/wecom/stats/?group=branch"),
        Page("outreach", "/outreach/"),
        Page("outreach-new", "/outreach/new/"),
        Page("handover", "/customers/handover/"),
        Page("opportunity-stats", "/opportunities/stats/"),
        Page("materials", "/materials/"),
        Page("material-new", "/materials/new/"),
        Page("material", f"/materials/{material.pk}/"),
        Page("material-edit", f"/materials/{material.pk}/edit/"),
        Page("draft-edit", f"/materials/{draft.pk}/edit/"),
        Page("poster-edit", f"/materials/{poster.pk}/edit/"),
        Page("share-stats", "/materials/stats/"),
        Page("terms", "/compliance/terms/"),
        Page("check", "/compliance/check/"),
        Page("dashboard", "/checklists/dashboard/"),
        Page("setup", "/checklists/setup/"),
        Page("template-new", "/checklists/setup/templates/new/"),
        Page("template", f"/checklists/setup/templates/{template.pk}/"),
        Page("403", "/opportunities/", 403),
    ]


def public_pages() -> list[Page]:
    """Pages without a login: the sign-in page and a shared link's landing page."""
    rm = User.objects.get(username=ROLES["rm"])
    material = _first(Material.objects.filter(kind=Kind.NEWS), rm)
    share = share_create(rm=rm, material=material)
    return [
        Page("login", "/accounts/login/"),
        Page("landing", f"/s/{share.token}"),
        Page("landing-404", "/s/not-a-live-token", 404),
    ]
