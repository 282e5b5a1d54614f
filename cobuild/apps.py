from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CobuildConfig(AppConfig):
    """Unit co-building (单位共建, 双报到双服务). For now: the units themselves, which
    the hotline dispatches orders to; needs, resources and claims come with their issue."""

    name = "cobuild"
    verbose_name = _("Co-building")
