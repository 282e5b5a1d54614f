"""Demo staff accounts: one for every role, all with the printed demo password."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import Role, RoleGrant, User


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    scope: str  # "county", "community", "grid:N", "compound:NAME", "other-grid"
    note: str
    extension: str = ""


DEMO_ACCOUNTS = [
    DemoAccount(
        "leader", "刘凌凯", Role.LEADER, "community", "书记/主任 · community leader", "8001"
    ),
    DemoAccount(
        "operator", "张敏", Role.OPERATOR, "community", "热线接线员 · hotline operator", "8002"
    ),
    DemoAccount("grid1", "王芳", Role.GRID_WORKER, "grid:1", "第一网格网格员 · grid worker"),
    DemoAccount("grid2", "李强", Role.GRID_WORKER, "grid:2", "第二网格网格员 · grid worker"),
    DemoAccount("volunteer", "赵建国", Role.VOLUNTEER, "grid:1", "退休干部志愿者 · volunteer"),
    DemoAccount("committee", "刘荣", Role.COMMITTEE, "compound:供销巷小区", "供销巷小区管委会主任"),
    DemoAccount("liaison", "陈静", Role.LIAISON, "community", "县委办联络员 · unit liaison"),
    DemoAccount("county", "周县长", Role.LEADER, "county", "县级领导 · county leader"),
    DemoAccount("admin", "系统管理员", Role.ADMIN, "community", "administrator"),
    DemoAccount("outsider", "孙丽", Role.GRID_WORKER, "other-grid", "崇相西社区网格员 (outsider)"),
]


def load(ctx) -> None:
    from linli.demo import DEMO_PASSWORD

    probe = User(username="probe")
    probe.set_password(DEMO_PASSWORD)
    hashed = probe.password  # hash once: argon2 is slow on purpose
    for account in DEMO_ACCOUNTS:
        user = User.objects.create(
            username=account.username,
            display_name=account.display_name,
            phone_extension=account.extension,
            password=hashed,
            is_staff=account.role == Role.ADMIN,
            is_superuser=False,
        )
        kind, _, arg = account.scope.partition(":")
        grant = RoleGrant(user=user, role=account.role)
        if kind == "county":
            grant.region = ctx.region
        elif kind == "community":
            grant.community = ctx.community
        elif kind == "grid":
            grant.grid = ctx.grids[int(arg) - 1]
        elif kind == "compound":
            grant.compound = ctx.compounds[arg]
        elif kind == "other-grid":
            grant.grid = ctx.extra["other_grid"]
        grant.save()
        if account.username == "leader":
            RoleGrant.objects.create(user=user, role=Role.OPERATOR, community=ctx.community)
        ctx.users[account.username] = user
    # The administrator may use Django's admin for the demo community's settings.
    from django.contrib.auth.models import Permission

    admin = ctx.users["admin"]
    admin.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["places", "people", "hotline", "care", "accounts"]
        )
    )
