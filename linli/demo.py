"""The demo community framework: ``manage.py load_demo`` calls each app's ``demo.load``.

Apps load in INSTALLED_APPS order; each gets the shared ``DemoContext`` (the region,
community, grids, compounds and accounts made so far) and its own random generator
seeded from the demo seed and the app's name, so adding one app's demo data never
changes another's. Loading is idempotent: a second run finds the community and stops.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.db import connection, transaction

DEMO_COMMUNITY_CODE = "140821-hld"
DEMO_PASSWORD = "linli-demo-2026"  # noqa: S105 — printed for the demo on purpose


@dataclass
class DemoContext:
    seed: int
    region: object = None
    street: object = None
    community: object = None
    other_community: object = None
    grids: list = field(default_factory=list)
    compounds: dict = field(default_factory=dict)  # name -> Compound
    users: dict = field(default_factory=dict)  # username -> User
    extra: dict = field(default_factory=dict)  # anything one app hands to a later one

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}:{name}")


def demo_is_loaded() -> bool:
    from places.models import Community

    return Community.objects.filter(code=DEMO_COMMUNITY_CODE).exists()


def load_all(seed: int = 2022, *, stdout=None) -> DemoContext | None:
    """Build the demo county. Returns None when it was already there."""
    if demo_is_loaded():
        return None
    ctx = DemoContext(seed=seed)
    with transaction.atomic():
        for config in apps.get_app_configs():
            module_name = f"{config.name}.demo"
            if config.name == "linli" or find_spec(module_name) is None:
                continue
            module = import_module(module_name)
            if stdout:
                stdout.write(f"  {config.verbose_name}…")
            module.load(ctx)
    # Thousands of rows arrived at once: give the query planner their statistics now
    # rather than when autovacuum next gets round to it (PostgreSQL plans a freshly
    # filled table as if it were empty).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ctx
