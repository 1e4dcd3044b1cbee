from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CadresConfig(AppConfig):
    name = "cadres"
    verbose_name = _("干部与联系关系")

    def ready(self):
        from cadres.reference import UNITS

        UNITS.watch()
