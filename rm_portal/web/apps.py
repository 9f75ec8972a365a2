from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "rm_portal.web"
    label = "web"
    verbose_name = "移动工作台"
