from django.urls import path

from materials import views
from rm_portal.wecom import me_views

app_name = "materials"

urlpatterns = [
    # Public, no login: the customer's landing page of a shared link.
    path("s/<str:token>", views.landing, name="landing"),
    path("s/<str:token>/files/<int:pk>", views.landing_file, name="landing-file"),
    path("s/<str:token>/wechat-qr", views.landing_wechat_qr, name="landing-wechat-qr"),
    path("s/<str:token>/wecom-code", me_views.landing_code_image, name="landing-wecom-code"),
    path("materials/", views.material_list_page, name="list"),
    path("materials/new/", views.material_new, name="new"),
    path("materials/stats/", views.stats, name="stats"),
    path("materials/<int:pk>/", views.material_detail, name="detail"),
    path("materials/<int:pk>/edit/", views.material_edit, name="edit"),
    path("materials/<int:pk>/publish/", views.material_publish_page, name="publish"),
    path("materials/<int:pk>/withdraw/", views.material_withdraw_page, name="withdraw"),
    path("materials/<int:pk>/poster/", views.poster_page, name="poster"),
    path("materials/<int:pk>/files/<int:file_pk>", views.material_file, name="file"),
    path("materials/<int:pk>/background", views.poster_background, name="background"),
]
