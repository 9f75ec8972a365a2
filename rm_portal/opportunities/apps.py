from django.apps import AppConfig


class OpportunitiesConfig(AppConfig):
    name = "rm_portal.opportunities"
    label = "opportunities"
    verbose_name = "商机"
