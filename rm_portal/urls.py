from django.contrib import admin
from django.urls import include, path, re_path
from django.views import defaults
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from rm_portal.api import exceptions
from rm_portal.org.admin import OwnPasswordChangeView
from rm_portal.web import views as web_views

admin.site.site_header = "RM Portal 管理后台"
admin.site.site_title = "RM Portal"

urlpatterns = [
    # One's own password in the admin goes through staff_password_set too (other devices signed out).
    path("admin/password_change/", OwnPasswordChangeView.as_view(), name="admin-password-change"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view: its init script is a separate file, so the CSP needs no inline script for it.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/", include("rm_portal.api.urls")),
    re_path(r"^api/", exceptions.api_unknown),  # an unknown API URL is a JSON 404, never a page
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", web_views.healthz, name="healthz"),
    path("checklists/", include("rm_portal.checklists.urls")),
    path("", include("materials.urls")),  # /s/{token} (public landing) and the materials pages
    path("compliance/", include("compliance.urls")),
    path("wecom/", include("rm_portal.wecom.urls")),  # WeCom's callback: signed, no login
    path("outreach/", include("rm_portal.outreach.urls")),
    path("sidebar/", include("rm_portal.wecom.sidebar_urls")),
    path("customers/", include("rm_portal.customers.urls")),
    path("opportunities/", include("rm_portal.opportunities.urls")),
    path("matching/", include("rm_portal.matching.urls")),
    path("", include("rm_portal.web.urls")),
]

# No /media/ route: every stored file (checklist photos, material attachments, poster
# backgrounds) is served by a view of its app that checks the caller's scope first.

handler400 = exceptions.api_or_page(exceptions.api_400, defaults.bad_request)
handler403 = exceptions.api_or_page(exceptions.api_403, defaults.permission_denied)
handler404 = exceptions.api_or_page(exceptions.api_404, defaults.page_not_found)
handler500 = exceptions.api_or_page(exceptions.api_500, web_views.server_error)
