from django.urls import path

from rm_portal.opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("today/", views.today, name="today"),
    path("review/", views.review_queue, name="review"),
    path("stats/", views.stats, name="stats"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/call/", views.call, name="call"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/review/", views.review, name="review-one"),
]
