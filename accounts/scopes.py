"""Who may see what: a staff user's scope, turned into a queryset filter.

A grant over a county covers its communities; a grant over a community covers its
grids and everything in them; a grant over a grid covers that grid's compounds; a
committee member's grant over a compound covers that compound only. Superusers
see everything. Anything outside the scope is filtered away, so a direct URL to it
answers 404 exactly as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q


@dataclass(frozen=True)
class Scope:
    everything: bool
    community_ids: frozenset[int]
    grid_ids: frozenset[int]
    compound_ids: frozenset[int]

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.community_ids or self.grid_ids or self.compound_ids)

    def all_community_ids(self) -> frozenset[int]:
        """Communities the user works in at any level (for community-wide lists)."""
        from places.models import Compound, Grid

        ids = set(self.community_ids)
        if self.grid_ids:
            ids.update(
                Grid.objects.filter(id__in=self.grid_ids).values_list("community_id", flat=True)
            )
        if self.compound_ids:
            ids.update(
                Compound.objects.filter(id__in=self.compound_ids).values_list(
                    "grid__community_id", flat=True
                )
            )
        return frozenset(ids)


NOTHING = Scope(False, frozenset(), frozenset(), frozenset())
EVERYTHING = Scope(True, frozenset(), frozenset(), frozenset())


def scope_of(user, roles: tuple[str, ...] | None = None) -> Scope:
    """The places ``user`` may see, optionally only through the given roles."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    cache_key = roles or ()
    cache = getattr(user, "_scope_cache", None)
    if cache is None:
        cache = {}
        user._scope_cache = cache
    if cache_key in cache:
        return cache[cache_key]
    from places.models import Community

    community_ids: set[int] = set()
    grid_ids: set[int] = set()
    compound_ids: set[int] = set()
    region_ids: set[int] = set()
    for role, region_id, community_id, grid_id, compound_id in user.grant_rows:
        if roles and role not in roles:
            continue
        if region_id:
            region_ids.add(region_id)
        elif community_id:
            community_ids.add(community_id)
        elif grid_id:
            grid_ids.add(grid_id)
        elif compound_id:
            compound_ids.add(compound_id)
    if region_ids:
        community_ids.update(
            Community.objects.filter(street__region_id__in=region_ids).values_list("id", flat=True)
        )
    scope = Scope(False, frozenset(community_ids), frozenset(grid_ids), frozenset(compound_ids))
    cache[cache_key] = scope
    return scope


def _path(prefix: str, field: str) -> str:
    return f"{prefix}__{field}" if prefix else field


def scope_filter(
    user,
    *,
    community_path: str,
    grid_path: str | None = None,
    compound_path: str | None = None,
    roles: tuple[str, ...] | None = None,
) -> Q:
    """A Q object restricting a queryset to the user's scope.

    ``community_path`` is the ORM path from the model to its community ("" when the
    model is Community); ``grid_path`` and ``compound_path`` likewise, or None when
    the model sits above that level (a community-wide record is visible only to
    community-level grants).
    """
    scope = scope_of(user, roles)
    if scope.everything:
        return Q()
    q = Q(pk__in=[])
    if scope.community_ids:
        q |= Q(**{_path(community_path, "id__in"): scope.community_ids})
    if scope.grid_ids and grid_path is not None:
        q |= Q(**{_path(grid_path, "id__in"): scope.grid_ids})
    if scope.compound_ids and compound_path is not None:
        q |= Q(**{_path(compound_path, "id__in"): scope.compound_ids})
    return q
