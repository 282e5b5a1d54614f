from django.conf import settings
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from linli.navigation import entries_for


def _community_names(user) -> str:
    from accounts.scopes import scope_of
    from places.models import Community

    scope = scope_of(user)
    if scope.everything:
        return ""
    names = Community.objects.filter(id__in=scope.all_community_ids()).values_list(
        "name", flat=True
    )
    return "、".join(names)


def product(request):
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "product_name": settings.LINLI_PRODUCT_NAME,
        "nav_entries": entries_for(user) if authenticated else [],
        "now": timezone.localtime(),
        "print_community": SimpleLazyObject(lambda: _community_names(user))
        if authenticated
        else "",
    }
