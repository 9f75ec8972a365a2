from django.urls import path

from rm_portal.checklists import views

app_name = "checklists"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("runs/<int:pk>/", views.run_detail, name="run"),
    path("runs/<int:pk>/submit/", views.run_submit, name="run-submit"),
    path("items/<int:pk>/complete/", views.item_complete, name="item-complete"),
    path("items/<int:pk>/view/", views.photo_view, name="photo-view"),
    path("queue/approve/", views.batch_approve, name="batch-approve"),
    path("items/<int:pk>/photo/", views.item_photo, name="item-photo"),
    path("runs/<int:pk>/audit/", views.run_audit, name="run-audit"),
    path("queue/", views.queue, name="queue"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("setup/", views.setup, name="setup"),
    path("setup/templates/new/", views.template_edit, name="template-new"),
    path("setup/templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("export.csv", views.export, name="export"),
]
