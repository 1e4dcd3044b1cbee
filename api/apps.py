from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("数据交换接口")

    def ready(self):
        # Webhooks follow request events (plumbing, not business flow) and ride the e-mail outbox's drain.
        from api import webhooks
        from qiqing import notifications

        webhooks.connect()
        notifications.register_outbox("webhooks", webhooks.drain)
