from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "rm_portal.checklists"
    label = "checklists"
    verbose_name = "标准化动作"
