from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QiqingConfig(AppConfig):
    name = "qiqing"
    verbose_name = _("企情在线")

    def ready(self):
        from qiqing.access import connect_invalidation

        connect_invalidation()

        from qiqing import notifications, signed_in

        signed_in.connect_invalidation()
        notifications.connect_invalidation()

        from qiqing import choices

        choices.install()

        from qiqing import checks  # noqa: F401 - registers the deploy checks
