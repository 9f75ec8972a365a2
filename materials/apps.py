from django.apps import AppConfig


class MaterialsConfig(AppConfig):
    name = "materials"
    label = "materials"
    verbose_name = "营销物料"
