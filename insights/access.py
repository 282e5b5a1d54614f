"""Who may see the figures, over which communities, and what an export shows them.

- The dashboard, the rates and the monthly report are for leaders (书记/主任, and the
  county's leaders) and administrators, over the communities their grants cover: a
  county grant covers every community of the county, a community grant that one. A
  grant over a grid or a compound opens none of them: figures are community business.
- The lists of orders behind the figures, and their export, are also open to the
  hotline operators of a community, who work those orders every day.
- Exports never carry full phone numbers. Callers' names appear only for staff whose
  grant is over the community itself (they phone these residents); county-level
  leaders get masked names, as the minimum necessary for oversight.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import Role
from accounts.scopes import scope_of

FIGURE_ROLES = (Role.LEADER, Role.ADMIN)
LIST_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)


class Reach:
    """The communities a user may see figures of; ``None`` ids means all of them."""

    def __init__(self, user, roles: tuple[str, ...]):
        self.user = user
        scope = scope_of(user, roles)
        self.everything = scope.everything
        self.community_ids: frozenset[int] | None = (
            None if scope.everything else (scope.community_ids)
        )

    @property
    def is_empty(self) -> bool:
        return not self.everything and not self.community_ids

    def covers(self, community_id: int) -> bool:
        return self.everything or community_id in (self.community_ids or ())

    def communities(self):
        from places.models import Community

        qs = Community.objects.order_by("code")
        return qs if self.everything else qs.filter(id__in=self.community_ids)


def reach_for(user, roles: tuple[str, ...] = FIGURE_ROLES) -> Reach:
    """The user's reach, or 403 when they hold none of ``roles`` over a community."""
    reach = Reach(user, roles)
    if reach.is_empty:
        raise PermissionDenied
    return reach


def name_communities(user) -> frozenset[int] | None:
    """The communities whose callers' names ``user`` may see in an export (their
    grants over the community itself); ``None`` means every community."""
    if user.is_superuser:
        return None
    return frozenset(
        user.grants.filter(role__in=LIST_ROLES, community_id__isnull=False).values_list(
            "community_id", flat=True
        )
    )


def mask_name(name: str) -> str:
    """王秀兰 → 王**: the surname stays, so staff can still tell callers apart."""
    name = (name or "").strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
