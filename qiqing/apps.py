from django.apps import AppConfig


class QiqingConfig(AppConfig):
    name = "qiqing"
    verbose_name = "企情在线"
