from django.contrib.auth import views as auth_views
from django.urls import path

from rm_portal.web import views

app_name = "web"

urlpatterns = [
    path("", views.today, name="today"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("me/", views.me, name="me"),
    path("me/wechat-qr/", views.me_wechat_qr, name="me-wechat-qr"),
    path("me/wechat-qr/remove/", views.me_wechat_qr_remove, name="me-wechat-qr-remove"),
    path("me/wechat-qr.png", views.me_wechat_qr_image, name="me-wechat-qr-image"),
]
