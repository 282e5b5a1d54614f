"""Small helpers for the registry's tests: residents made through the real service."""

from __future__ import annotations

from people import services


def make_resident(acting_user, community, name="王秀兰", *, household=None, phones=(), **fields):
    return services.create_resident(
        acting_user=acting_user,
        community=community,
        name=name,
        household=household,
        phones=list(phones),
        **fields,
    )
