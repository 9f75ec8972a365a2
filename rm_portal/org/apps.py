from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "rm_portal.org"
    label = "org"
    verbose_name = "机构与人员"
