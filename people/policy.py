"""Who may see and do what in the resident registry (PIPL: minimum necessary).

The registry holds the most sensitive data in the product, so each role sees only
what its work needs. The matrix (also in docs/people.md):

| role              | residents it sees                 | phones / ID            | care tags |
|-------------------|-----------------------------------|------------------------|-----------|
| hotline operator  | its community                     | masked; reveal phone and ID with a reason | yes |
| grid worker       | its grid                          | masked; reveal phone with a reason | yes |
| community leader  | its community / county            | masked; reveal phone and ID with a reason | yes |
| administrator     | its community                     | masked; reveal phone and ID with a reason | yes |
| volunteer         | only residents assigned to them   | masked; the number to call a resident whose care plan they hold | no |
| committee member  | its compound (votes, cost shares) | masked, never revealed | no        |
| unit liaison      | none                              | —                      | —         |

Nobody sees a full number by default: showing it takes one click with a reason and
writes ``resident.reveal_*`` to the audit log. The one door without a typed reason is
the check-in call: whoever holds a resident's care plan (the volunteer, or the staff
member it is assigned to) taps for that resident's number on today's check-ins, the
plan standing as the reason, and it is logged the same way
(``care.services.phone_to_call``). Exports are masked; leaders and
administrators may ask for full values with a reason (also logged).
"""

from __future__ import annotations

from accounts.models import Role
from accounts.scopes import scope_of

# Roles whose grants open the registry (by their place scope).
REGISTRY_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.LEADER, Role.ADMIN, Role.COMMITTEE)
# Roles that need care tags: they arrange care, visits and check-ins.
CARE_TAG_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.LEADER, Role.ADMIN)
# Roles that phone residents and may reveal a full number, with a reason.
REVEAL_PHONE_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.LEADER, Role.ADMIN)
# ID numbers are needed only for paperwork done at the office (低保, 高龄补贴 …).
REVEAL_ID_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)
# Roles that register residents and keep their records up to date.
EDIT_ROLES = (Role.OPERATOR, Role.GRID_WORKER, Role.LEADER, Role.ADMIN)
# Bulk work on the registry is done at the office.
IMPORT_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)
EXPORT_ROLES = (Role.OPERATOR, Role.LEADER, Role.ADMIN)
FULL_EXPORT_ROLES = (Role.LEADER, Role.ADMIN)


def covers(user, roles: tuple[str, ...], resident) -> bool:
    """Whether one of ``user``'s grants with ``roles`` covers ``resident``'s place.

    Uses the resident's loaded household → building → compound chain; callers that
    check many residents should ``select_related`` it.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = scope_of(user, roles)
    if scope.everything:
        return True
    if resident.community_id in scope.community_ids:
        return True
    if not (scope.grid_ids or scope.compound_ids) or resident.household_id is None:
        return False
    compound = resident.household.building.compound
    return compound.grid_id in scope.grid_ids or compound.pk in scope.compound_ids


def covers_community(user, roles: tuple[str, ...], community_id: int) -> bool:
    """Whether ``user`` holds one of ``roles`` over the whole community."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    scope = scope_of(user, roles)
    return scope.everything or community_id in scope.community_ids


def can_see_care_tags(user, resident=None) -> bool:
    if resident is None:
        return user.is_superuser or user.has_role(*CARE_TAG_ROLES)
    return covers(user, CARE_TAG_ROLES, resident)


def can_reveal_phone(user, resident) -> bool:
    return covers(user, REVEAL_PHONE_ROLES, resident)


def can_reveal_id(user, resident) -> bool:
    return covers(user, REVEAL_ID_ROLES, resident)


def can_edit(user, resident) -> bool:
    return covers(user, EDIT_ROLES, resident)
