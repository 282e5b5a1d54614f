"""System checks for account settings that environment variables can get wrong."""

from django.conf import settings
from django.core.checks import Error, register

from accounts.models import Role


@register()
def second_factor_roles(app_configs, **kwargs):
    unknown = [r for r in settings.LINLI_REQUIRE_2FA_ROLES if r not in Role.values]
    if not unknown:
        return []
    return [
        Error(
            f"LINLI_REQUIRE_2FA_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use role names from: {', '.join(Role.values)}.",
            id="linli.E201",
        )
    ]
