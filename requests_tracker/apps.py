from django.apps import AppConfig


class RequestsTrackerConfig(AppConfig):
    name = "requests_tracker"
    verbose_name = "诉求办理"
