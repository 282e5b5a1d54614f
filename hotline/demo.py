"""Demo hotline: units and service providers, and a year of 小刘热线 through the services.

About 2,500 orders over the last twelve months are replayed through
``hotline.services`` with the hotline clock wound back (``hotline.clock.at``): calls
arrive at realistic hours with seasonal categories; staff dispatch them, assignees
accept, work and resolve (some late, so the hourly deadline sweep warns, escalates
and supervises), operators call back, and a few orders are returned, reopened,
withdrawn or merged. The last days are left in every open state, so the console,
the call-back list and the dashboards have something to show.

The seed report's stories are in it at fixed places: the bereaved elder's television,
the lonely elder who calls to chat, 王阿姨's medicine, the roof at 贸易货栈小区 that
the contractor failed to fix twice, and the drain at 和谐果品小区 that blocks again
and again (four orders in 180 days, the last one urgent with three callers).

Deterministic for a given load date: every choice comes from ``ctx.rng("hotline")``.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from hotline import clock, services, sla
from hotline.models import Category, Notification, Order, ServiceProvider
from linli.lib.env import env_int
from linli.lib.errors import ServiceError

# LINLI_DEMO_ORDERS makes a smaller (or larger) year, e.g. for quick browser tests.
ORDERS_PER_YEAR = env_int("LINLI_DEMO_ORDERS", 2400, minimum=0)

UNITS = [
    # (name, kind, contact)
    ("临猗县委办", "paired_unit", "陈静"),
    ("临猗县行政审批服务管理局", "department", "张卫东"),
    ("临猗县机关事务管理局", "department", "王立新"),
    ("临猗县财政局", "paired_unit", "李红"),
    ("临猗县教育体育局", "paired_unit", "杨帆"),
]
STREET_LIGHT_UNIT = "临猗县行政审批服务管理局"

# (name, trade, trade label, area, grid numbers served, quality 0–1)
PROVIDERS = [
    ("老马电视维修", "appliance_repair", "电视维修", "城关一带", (1, 2, 3, 4), 0.93),
    ("惠民家电维修部", "appliance_repair", "家电维修", "全社区", (), 0.82),
    ("宏达装修防水", "roofing", "防水补漏", "全社区", (), 0.62),
    ("晋南防水工程队", "roofing", "防水补漏", "全社区", (), 0.86),
    ("顺通管道疏通", "drain_clearing", "管道疏通", "全社区", (), 0.88),
    ("快捷疏通队", "drain_clearing", "管道疏通", "老城区", (1, 2, 5, 6), 0.75),
    ("李师傅电工", "electrician", "电工", "城关一带", (1, 2, 3), 0.9),
    ("城关水电维修", "plumber", "水电维修", "全社区", (), 0.84),
    ("王师傅水暖", "plumber", "水暖", "西关一带", (6, 7, 8), 0.8),
    ("安心开锁", "locksmith", "开锁换锁", "全县", (), 0.9),
]

# Category weights by month (1–12): roofs leak in the rainy season, pipes freeze in
# winter, elders call more around the festivals.
BASE_WEIGHTS = {
    "appliance_repair": 11,
    "roof_leak": 3,
    "drain_blockage": 7,
    "water_pipe": 6,
    "electrical": 5,
    "lock": 2,
    "road_damage": 3,
    "street_lighting": 3,
    "sanitation": 8,
    "neighbour_dispute": 5,
    "property": 3,
    "noise": 4,
    "companionship": 11,
    "errands": 9,
    "elderly_emergency": 2,
    "consultation": 9,
    "other": 1,
}
SEASONAL = {
    "roof_leak": {6: 3, 7: 5, 8: 5, 9: 4},
    "drain_blockage": {6: 2, 7: 2, 8: 2},
    "water_pipe": {12: 2, 1: 3, 2: 2},
    "companionship": {1: 2, 2: 2, 9: 1.5, 10: 1.5},
    "noise": {7: 2, 8: 2},
    "street_lighting": {11: 2, 12: 2, 1: 2},
}
# How many calls come in at each hour of the day (a 24-hour line, mostly daytime).
HOUR_WEIGHTS = [1, 1, 0, 0, 1, 2, 5, 9, 12, 12, 11, 9, 7, 8, 10, 10, 9, 8, 8, 7, 6, 4, 3, 2]

DESCRIPTIONS = {
    "appliance_repair": [
        "电视机打不开了，只有声音没有图像",
        "冰箱不制冷了，里面的菜都坏了",
        "洗衣机不脱水，一直响",
        "电饭锅插上电没反应",
        "热水器点不着火",
    ],
    "roof_leak": ["下雨屋顶漏水，卧室墙皮掉了", "顶楼渗水，天花板发霉", "阳台窗台往屋里渗水"],
    "drain_blockage": ["下水道堵了，厨房水池不下水", "楼道下水管冒水，味道很大", "卫生间地漏返水"],
    "water_pipe": ["水管接头漏水", "暖气片不热", "水表井冻裂了", "厨房水龙头关不住"],
    "electrical": ["家里跳闸合不上", "楼道灯不亮，晚上看不见", "插座冒火花"],
    "lock": ["钥匙锁在屋里了", "门锁坏了打不开"],
    "road_damage": ["巷道路面有个大坑，电动车差点摔倒", "下水道盖板破了，怕有人踩空"],
    "street_lighting": ["巷子里路灯好几天不亮了", "路灯一闪一闪的"],
    "sanitation": ["垃圾堆了好几天没人拉", "楼后面有人乱倒建筑垃圾", "垃圾桶满了臭气熏天"],
    "neighbour_dispute": ["楼上漏水淹了我家，楼上不管", "邻居在楼道堆杂物", "因为停车位吵起来了"],
    "property": ["小区大门坏了没人修", "楼道扶手松了", "单元门禁坏了"],
    "noise": ["楼下饭店晚上太吵", "楼上半夜装修", "广场舞音响太大"],
    "companionship": [
        "一个人在家闷得慌，想找人说说话",
        "老伴走了，心里难受",
        "想问问社区最近有啥活动",
    ],
    "errands": ["腿脚不便，想请人帮忙买药", "帮忙去银行取养老金", "帮忙买点米面油送上楼"],
    "elderly_emergency": ["老人在家摔倒了起不来", "老人突然头晕，家里没人", "联系不上独居的母亲"],
    "consultation": ["想问问高龄补贴怎么申请", "医保卡丢了怎么补办", "低保年审需要带啥材料"],
    "other": ["楼下有只流浪狗一直叫", "捡到一个钱包"],
}
RESOLUTIONS = {
    "appliance_repair": ["师傅上门更换电源板，已修好", "清理散热、更换温控器，恢复制冷"],
    "roof_leak": ["重做防水层，淋水试验不漏", "修补屋面裂缝并做防水"],
    "drain_blockage": ["疏通主管道，已恢复排水", "清掏化粪池，疏通立管"],
    "water_pipe": ["更换接头和阀门，不再漏水", "排气后暖气恢复正常"],
    "electrical": ["更换漏电开关，恢复供电", "更换楼道灯泡"],
    "lock": ["开锁后更换锁芯"],
    "road_damage": ["社区组织填补坑洼，更换盖板"],
    "street_lighting": ["审批局更换灯具，路灯恢复照明"],
    "sanitation": ["联系环卫清运完毕", "网格员组织清理，张贴告示"],
    "neighbour_dispute": ["上门调解，双方达成一致", "组织双方协商，签了调解协议"],
    "property": ["联系维修，已修好"],
    "noise": ["上门沟通，对方答应晚十点后停止", "联系城管，已整改"],
    "companionship": ["志愿者上门陪老人聊天一小时", "电话陪聊，老人心情好多了"],
    "errands": ["志愿者买好药送到家，票据交给老人", "代取养老金并送到家"],
    "elderly_emergency": ["网格员到场，联系家属送医", "到场查看，老人无大碍，家属已到"],
    "consultation": ["电话讲清了办理流程和材料"],
    "other": ["已处理"],
}
SOLVED_ON_CALL = {
    "companionship": ("陪老人聊了二十分钟家常，约好过几天再打电话", 0.85),
    "consultation": ("电话里讲清楚了办理条件、材料和地点", 0.75),
}
WORDS = {
    "satisfied": ["很满意，谢谢社区", "来得快，办得好", "小刘热线真管用"],
    "basic": ["基本满意，就是等得有点久", "修好了，师傅态度一般"],
    "unsatisfied": ["还是没弄好", "又坏了", "没人来过"],
}


@dataclass(order=True)
class _Step:
    at: dt.datetime
    seq: int
    action: Any = field(compare=False)
    args: tuple = field(compare=False, default=())


class _Simulation:
    """A year of the hotline as a queue of timed steps, run through the services."""

    def __init__(self, ctx, rng, *, start: dt.datetime, end: dt.datetime):
        self.ctx, self.rng = ctx, rng
        self.start, self.end = start, end
        self.queue: list[_Step] = []
        self.seq = itertools.count()
        self.sweeps: set[dt.datetime] = set()
        self.orders: dict[int, Order] = {}
        # The widest warning window of the defaults; warnings for narrower ones are
        # found by the same sweep or by the one at the deadline.
        self.warn_window = dt.timedelta(minutes=120)
        users = ctx.users
        self.operator = users["operator"]
        self.leader = users["leader"]
        self.accounts = {user.pk: user for user in users.values()}
        self.desk = [self.operator, self.operator, self.operator, self.leader]
        self.grid_workers = {
            grant_grid: user
            for user in (users.get("grid1"), users.get("grid2"))
            if user is not None
            for grant_grid in user.grants.values_list("grid_id", flat=True)
            if grant_grid
        }
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        self.providers: dict[str, list] = {}
        for provider in ServiceProvider.objects.filter(community=ctx.community).order_by("id"):
            self.providers.setdefault(provider.trade, []).append(provider)
        self.quality = {p.name: q for p, q in ctx.extra.get("provider_quality", {}).items()}
        self.volunteers = sorted(ctx.extra.get("volunteers", {}).values(), key=lambda v: v.pk)
        self.units = ctx.extra.get("units", {})
        self.residents = ctx.extra.get("hotline_callers", [])

    # --- the queue ---------------------------------------------------------------

    def at(self, moment: dt.datetime, action, *args) -> None:
        if moment <= self.end:
            heapq.heappush(self.queue, _Step(moment, next(self.seq), action, args))

    def run(self) -> None:
        while self.queue:
            step = heapq.heappop(self.queue)
            with clock.at(step.at):
                try:
                    step.action(step.at, *step.args)
                except ServiceError:
                    # Someone else got there first in the story (a return raced a
                    # reminder); the real desk would shrug and move on.
                    continue
        with clock.at(self.end):
            sla.sweep_deadlines(self.end)

    # --- the deadline sweep -------------------------------------------------------
    # In production the sweep runs every minute. Replaying a year minute by minute
    # would take far too long, so the simulation runs the real sweep exactly when it
    # will find something: when it plans a step that comes after a warning time or a
    # deadline, it also plans a sweep just after that moment.

    def sweep(self, moment) -> None:
        sla.sweep_deadlines(moment)

    def expect_sweep(self, moment) -> None:
        moment = moment.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
        if moment not in self.sweeps:
            self.sweeps.add(moment)
            self.at(moment, self.sweep)

    def watch(self, now, due, planned) -> None:
        """Plan sweeps for a deadline ``due`` that a step planned at ``planned`` may miss."""
        if due is None:
            return
        warn_at = due - self.warn_window
        if warn_at < planned and warn_at > now:
            self.expect_sweep(warn_at)
        if due < planned:
            self.expect_sweep(due)

    # --- helpers -----------------------------------------------------------------

    def later(self, moment, *, minutes=(0, 0), hours=(0, 0), days=(0, 0), office=False):
        delta = dt.timedelta(
            minutes=self.rng.uniform(*minutes) if minutes != (0, 0) else 0,
            hours=self.rng.uniform(*hours) if hours != (0, 0) else 0,
            days=self.rng.uniform(*days) if days != (0, 0) else 0,
        )
        # Never earlier than now, however the ranges were computed.
        moment = moment + max(delta, dt.timedelta(minutes=1))
        if office:
            local = timezone.localtime(moment)
            if local.hour < 8 or local.hour >= 18 or local.weekday() >= 5:
                # Call-backs are made in office hours: the next morning (or Monday).
                day = local.date() + dt.timedelta(days=1 if local.hour >= 18 else 0)
                while day.weekday() >= 5:
                    day += dt.timedelta(days=1)
                moment = timezone.make_aware(
                    dt.datetime.combine(day, dt.time(9, self.rng.randrange(60)))
                )
        return moment

    def pick(self, options):
        return options[self.rng.randrange(len(options))]

    def worker_for(self, order):
        """The account that acts for the assignee: themselves, or the desk."""
        user_id = order.assignee_user_id
        if not user_id and order.assignee_volunteer_id:
            user_id = order.assignee_volunteer.user_id
        if user_id:
            # One instance per account, so its roles and scope are looked up once.
            return self.accounts.setdefault(
                user_id, order.assignee_user or order.assignee_volunteer.user
            )
        return self.operator

    def choose_target(self, order) -> dict:
        category = order.category
        rng = self.rng
        grid_worker = self.grid_workers.get(order.grid_id)
        if category.unit_id and category.unit_id in {u.pk for u in self.units.values()}:
            return {"unit": category.unit}
        if category.provider_trade and self.providers.get(category.provider_trade):
            if grid_worker is not None and rng.random() < 0.2:
                return {"user": grid_worker}
            providers = self.providers[category.provider_trade]
            return {"provider": self.pick(providers)}
        if category.volunteer_skill:
            able = [v for v in self.volunteers if category.volunteer_skill in v.skills]
            near = [v for v in able if v.grid_id == order.grid_id]
            if grid_worker is not None and rng.random() < 0.4:
                return {"user": grid_worker}
            if near or able:
                return {"volunteer": self.pick(near or able)}
        if grid_worker is not None:
            return {"user": grid_worker}
        return {"user": self.pick([self.operator, self.leader])}

    def success_rate(self, order) -> float:
        if order.assignee_provider_id:
            return self.quality.get(order.assignee_provider.name, 0.85)
        return 0.93

    # --- the life of an ordinary order --------------------------------------------

    def call_in(self, moment, code, caller, urgency=None):
        category = self.categories[code]
        description = self.pick(DESCRIPTIONS[code])
        solved = SOLVED_ON_CALL.get(code)
        on_call = solved is not None and self.rng.random() < solved[1]
        order = self.create(
            acting_user=self.pick(self.desk),
            category=category,
            description=description,
            caller=caller,
            urgency=urgency,
            solved_on_call=on_call,
            resolution=solved[0] if on_call else "",
        )
        if on_call:
            if self.rng.random() < 0.5:
                self.at(self.later(moment, days=(1, 3), office=True), self.call_back, order.pk)
            else:
                self.at(self.later(moment, days=(2, 4), office=True), self.close_quietly, order.pk)
            return order
        if self.rng.random() < 0.02:
            self.at(self.later(moment, hours=(1, 30)), self.withdraw, order.pk)
        slow_desk = self.rng.random() < 0.01
        delay = {"hours": (2, 30)} if slow_desk else {"minutes": (2, 25)}
        when = self.later(moment, **delay)
        self.watch(moment, order.response_due, when)
        self.at(when, self.dispatch, order.pk)
        return order

    def create(self, **kwargs):
        order = services.create_order(**kwargs)
        self.orders[order.pk] = order
        return order

    def load(self, pk):
        # The services keep the instance they were given up to date with every state
        # change, so the simulation holds on to it instead of reading it back.
        return self.orders[pk]

    def dispatch(self, moment, pk, target=None):
        order = self.load(pk)
        if order.state not in (Order.State.RECEIVED, Order.State.RETURNED):
            return
        target = target or self.choose_target(order)
        services.dispatch_order(acting_user=self.operator, order=order, **target)
        if self.rng.random() < 0.04:
            self.at(self.later(moment, hours=(1, 8)), self.give_back, pk)
            return
        self.plan_work(moment, order)

    def plan_work(self, moment, order):
        # Most assignees accept well inside the time left; one in twenty-five does not.
        left = max(5.0, (order.response_due - moment).total_seconds() / 60)
        if self.rng.random() < 0.04:
            minutes = (left * 1.1, left * 3)
        else:
            minutes = (min(3.0, left * 0.1), left * 0.85)
        when = self.later(moment, minutes=minutes)
        self.watch(moment, order.response_due, when)
        self.at(when, self.accept, order.pk)

    def accept(self, moment, pk):
        order = self.load(pk)
        if order.state != Order.State.DISPATCHED:
            return
        worker = self.worker_for(order)
        services.accept_order(acting_user=worker, order=order, channel="mobile")
        rng = self.rng
        limit = (order.resolution_due - moment).total_seconds() / 3600
        if rng.random() < 0.05:  # late: the sweep will supervise it
            hours = (limit * 1.1, limit * 2.5 + 24)
        else:
            hours = (0.5, max(1.0, limit * 0.8))
        if rng.random() < 0.5:
            self.at(self.later(moment, minutes=(10, 120)), self.begin_work, pk)
        if rng.random() < 0.3:
            self.at(self.later(moment, hours=(1, max(2.0, hours[0]))), self.note, pk)
        when = self.later(moment, hours=hours)
        self.watch(moment, order.resolution_due, when)
        self.at(when, self.resolve, pk)

    def begin_work(self, moment, pk):
        order = self.load(pk)
        if order.state == Order.State.ACCEPTED:
            services.start_work(acting_user=self.worker_for(order), order=order, channel="mobile")

    def note(self, moment, pk):
        order = self.load(pk)
        if order.is_open and order.state != Order.State.RESOLVED:
            services.add_note(
                acting_user=self.worker_for(order),
                order=order,
                note=self.pick(
                    ["已上门查看", "已联系师傅，约好时间", "材料已买好", "电话联系了住户"]
                ),
                channel="mobile",
            )

    def give_back(self, moment, pk):
        order = self.load(pk)
        if order.state not in Order.IN_HAND:
            return
        services.return_order(
            acting_user=self.worker_for(order),
            order=order,
            reason=self.pick(["不属于本网格", "需要专业师傅处理", "联系不上住户，需核实地址"]),
            channel="mobile",
        )
        self.at(self.later(moment, minutes=(10, 90)), self.dispatch, pk)

    def resolve(self, moment, pk):
        order = self.load(pk)
        if order.state not in (Order.State.ACCEPTED, Order.State.IN_PROGRESS):
            return
        services.resolve_order(
            acting_user=self.worker_for(order),
            order=order,
            resolution=self.pick(RESOLUTIONS[order.category.code]),
            channel="mobile",
        )
        self.at(self.later(moment, days=(0.5, 3), office=True), self.call_back, pk)

    def call_back(self, moment, pk, result=None):
        """The operator's call-back; ``result`` fixes what the resident says (a story's
        ending), otherwise it follows the assignee's quality."""
        order = self.load(pk)
        if order.state != Order.State.RESOLVED:
            return
        rng = self.rng
        contact = order.contacts.filter(callback_result="").first()
        if contact is None:
            services.close_order(acting_user=self.operator, order=order)
            return
        if rng.random() < 0.07:
            services.record_callback(acting_user=self.operator, order=order, result="unreachable")
            self.at(self.later(moment, days=(1, 2), office=True), self.call_back, pk, result)
            return
        if result is None:
            result = self.callback_result(order)
        keep = ""
        if result == "unsatisfied" and rng.random() < 0.3:
            keep = self.pick(["超出社区职责，已向居民解释", "居民诉求需走司法途径"])
        services.record_callback(
            acting_user=self.operator,
            order=order,
            result=result,
            words=self.pick(WORDS[result]),
            keep_closed_reason=keep,
        )
        order.refresh_from_db()
        if order.state == Order.State.DISPATCHED:  # 重办
            self.plan_work(moment, order)
        elif order.state == Order.State.RECEIVED:  # 重办 of a matter settled on the call
            self.at(self.later(moment, minutes=(5, 60)), self.dispatch, pk)
        elif order.state == Order.State.CALLED_BACK:
            self.at(self.later(moment, days=(1, 5), office=True), self.close, pk)
        elif order.state == Order.State.RESOLVED:
            self.at(self.later(moment, hours=(1, 30), office=True), self.call_back, pk)

    def callback_result(self, order) -> str:
        # A poor provider leaves more residents unsatisfied; half of the rest of the
        # misses are "basically satisfied".
        good = self.success_rate(order)
        roll = self.rng.random()
        if roll < good * 0.85:
            return "satisfied"
        if roll < good + (1 - good) / 2:
            return "basic"
        return "unsatisfied"

    def close(self, moment, pk):
        order = self.load(pk)
        if order.state == Order.State.CALLED_BACK:
            services.close_order(acting_user=self.leader, order=order, note="已阅，结案")

    def close_quietly(self, moment, pk):
        order = self.load(pk)
        if order.state == Order.State.RESOLVED and not order.contacts.exists():
            services.close_order(acting_user=self.operator, order=order)
        elif order.state == Order.State.RESOLVED:
            services.record_callback(
                acting_user=self.operator, order=order, result="satisfied", words="挺好的"
            )

    def withdraw(self, moment, pk):
        order = self.load(pk)
        if order.state in (Order.State.RECEIVED, Order.State.DISPATCHED, Order.State.RETURNED):
            services.withdraw_order(
                acting_user=self.operator, order=order, reason="家里人已经解决了"
            )

    # --- the ordinary year -------------------------------------------------------

    def schedule_year(self, count: int) -> None:
        rng = self.rng
        days = (self.end - self.start).days
        codes = list(BASE_WEIGHTS)
        born_by = timezone.localdate().year - 60
        elders = [r for r in self.residents if r.birth_year and r.birth_year <= born_by]
        others = [r for r in self.residents if not r.birth_year or r.birth_year > born_by]
        alone = [r for r in elders if r.pk in self.ctx.extra.get("hotline_alone", set())]
        for _ in range(count):
            day = self.start.date() + dt.timedelta(days=rng.randrange(days))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            moment = timezone.make_aware(
                dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60)))
            )
            if moment <= self.start or moment >= self.end:
                continue
            weights = [BASE_WEIGHTS[c] * SEASONAL.get(c, {}).get(day.month, 1) for c in codes]
            code = rng.choices(codes, weights=weights)[0]
            if code not in self.categories:
                continue
            if code == "companionship" and alone:
                caller = self.pick(alone)
            elif elders and rng.random() < 0.75:
                caller = self.pick(elders)
            elif others:
                caller = self.pick(others)
            else:
                continue
            self.at(moment, self.call_in, code, caller)


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _stories(sim: _Simulation, today: dt.date) -> None:
    """The seed report's hotline stories, placed on the demo's calendar."""
    people = sim.ctx.extra.get("people", {})
    volunteers = sim.ctx.extra.get("volunteers", {})
    providers = {p.name: p for ps in sim.providers.values() for p in ps}

    def day(offset):
        return today - dt.timedelta(days=offset)

    # The bereaved elder's television: one call, the repairman at the door.
    elder = people.get("lost_only_child_elder")
    tv = providers.get("老马电视维修")
    if elder and tv:

        def tv_call(moment):
            order = sim.create(
                acting_user=sim.operator,
                category=sim.categories["appliance_repair"],
                description="电视机突然黑屏了，一个人在家就靠它解闷",
                caller=elder,
            )
            sim.at(moment + dt.timedelta(minutes=8), sim.dispatch, order.pk, {"provider": tv})

        sim.at(_local(day(20), 19, 10), tv_call)
        sim.at(_local(day(160), 10, 5), tv_call)

    # The elder living alone who calls when she is lonely: often, solved on the call.
    lonely = people.get("lonely_elder")
    if lonely:

        def chat(moment, callback):
            order = sim.create(
                acting_user=sim.pick(sim.desk),
                category=sim.categories["companionship"],
                description="晚上一个人闷得慌，想找人说说话",
                caller=lonely,
                solved_on_call=True,
                resolution="陪老人聊了家常和孙子的学习，老人说心里舒坦了",
            )
            if callback:  # she says so again when the office calls back
                sim.at(
                    sim.later(moment, days=(1, 2), office=True),
                    sim.call_back,
                    order.pk,
                    "satisfied",
                )

        for offset in range(3, 360, 11):
            sim.at(_local(day(offset), 20, 30 + offset % 20), chat, offset > 3)

    # 王阿姨 cannot walk to the pharmacy: a volunteer buys her medicine.
    wang = people.get("wang_ayi")
    helpers = [v for v in (volunteers.get("郭淑芳"), volunteers.get("赵建国")) if v]
    if wang and helpers:

        def errand(moment, helper):
            order = sim.create(
                acting_user=sim.operator,
                category=sim.categories["errands"],
                description="腿脚不便，降压药吃完了，请人帮忙去药店买",
                caller=wang,
            )
            sim.at(moment + dt.timedelta(minutes=5), sim.dispatch, order.pk, {"volunteer": helper})

        for n, offset in enumerate(range(2, 350, 21)):
            sim.at(_local(day(offset), 9, 15), errand, helpers[n % len(helpers)])

    # 贸易货栈小区: the roof leaks after a renovation; the contractor fails twice.
    roof_man = people.get("leaking_roof")
    contractor = providers.get("宏达装修防水")
    if roof_man and contractor:
        start = day(355)
        state: dict = {}

        def roof_call(moment):
            order = sim.create(
                acting_user=sim.leader,
                category=sim.categories["roof_leak"],
                description="前阵子房屋改造，现在一到雨天屋顶就漏，施工方修了几次都没弄好",
                caller=roof_man,
                channel=Order.Channel.PHONE,
            )
            state["pk"] = order.pk
            services.dispatch_order(
                acting_user=sim.leader,
                order=order,
                provider=contractor,
                note="马上联系施工方，尽快上门查看",
            )

        def roof_visit(moment, final):
            order = sim.load(state["pk"])
            if final:
                services.supervise_order(
                    acting_user=sim.leader, order=order, note="两次没修好，我盯着施工方彻底解决"
                )
            services.accept_order(acting_user=sim.leader, order=order, channel="phone")
            services.add_note(
                acting_user=sim.leader, order=order, note="冒雨赶到居民家中查找渗漏点"
            )
            resolution = (
                "找到女儿墙裂缝渗漏点，整体重做防水层，淋水试验不漏"
                if final
                else "施工方重新打了防水胶"
            )
            services.resolve_order(acting_user=sim.leader, order=order, resolution=resolution)

        def roof_callback(moment, result, words):
            order = sim.load(state["pk"])
            services.record_callback(
                acting_user=sim.operator, order=order, result=result, words=words
            )

        sim.at(_local(start, 22, 40), roof_call)
        sim.at(_local(start + dt.timedelta(days=2), 9), roof_visit, False)
        sim.at(
            _local(start + dt.timedelta(days=4), 10), roof_callback, "unsatisfied", "昨晚下雨又漏了"
        )
        sim.at(_local(start + dt.timedelta(days=8), 9), roof_visit, False)
        sim.at(_local(start + dt.timedelta(days=10), 10), roof_callback, "unsatisfied", "还是漏")
        sim.at(_local(start + dt.timedelta(days=11), 9), roof_visit, True)
        sim.at(
            _local(start + dt.timedelta(days=18), 10),
            roof_callback,
            "satisfied",
            "下了两场雨都不漏了",
        )

    # 和谐果品小区: the drain above the fruit shop blocks again and again.
    owner = people.get("shop_owner")
    neighbours = [people.get(k) for k in ("above_shop_1", "above_shop_2", "above_shop_3")]
    drains = providers.get("顺通管道疏通")
    if owner and drains:

        def drain_call(moment, caller, text, urgency):
            order = sim.create(
                acting_user=sim.operator,
                category=sim.categories["drain_blockage"],
                description=text,
                caller=caller,
                urgency=urgency,
            )
            # The urgent flood goes to the grid worker, who brings the leader along;
            # the routine blockages go straight to the drain-clearing firm.
            worker = sim.grid_workers.get(order.grid_id)
            target = {"user": worker} if urgency and worker else {"provider": drains}
            sim.at(moment + dt.timedelta(minutes=6), sim.dispatch, order.pk, target)
            return order

        for offset, caller in ((170, neighbours[2]), (96, owner), (41, neighbours[0])):
            if caller:
                sim.at(
                    _local(day(offset), 8, 20),
                    drain_call,
                    caller,
                    "楼道下水管堵了，一楼地漏返水",
                    None,
                )

        def flood(moment):
            order = drain_call(
                moment,
                owner,
                "楼上住户的下水道严重堵塞，粪水倒灌进店铺，联系不上所有住户",
                "urgent",
            )

            def another(moment, resident, words):
                if resident is None:
                    return
                found = services.find_duplicates(
                    community=order.community,
                    category=order.category,
                    household=resident.household,
                    text=words,
                )
                target = found[0] if found else sim.load(order.pk)
                services.attach_caller(
                    acting_user=sim.operator, order=target, caller=resident, note=words
                )

            sim.at(moment + dt.timedelta(minutes=25), another, neighbours[0], "我家下水道也堵了")
            sim.at(
                moment + dt.timedelta(minutes=40),
                another,
                neighbours[1],
                "楼道里有粪水味，下水道冒水",
            )

            def meeting(moment):
                services.add_note(
                    acting_user=sim.leader,
                    order=sim.load(order.pk),
                    note="现场会议：住户意见不一；商定找价格公道、质量可靠的施工队尽快疏通，费用按户分摊",
                )

            sim.at(moment + dt.timedelta(hours=5), meeting)

        sim.at(_local(day(12), 7, 30), flood)


def _units(ctx) -> dict:
    from cobuild.models import Unit

    units = {}
    for name, kind, contact in UNITS:
        unit, _ = Unit.objects.get_or_create(
            region=ctx.region, name=name, defaults={"kind": kind, "contact_name": contact}
        )
        unit.communities.add(ctx.community)
        units[name] = unit
    lights = Category.objects.filter(code="street_lighting").first()
    if lights is not None:
        lights.unit = units[STREET_LIGHT_UNIT]
        lights.save(update_fields=["unit"])
    return units


def _providers(ctx, rng) -> dict:
    grids = ctx.grids
    quality = {}
    for name, trade, label, area, grid_numbers, q in PROVIDERS:
        provider = ServiceProvider(
            community=ctx.community, name=name, trade=trade, trade_label=label, area=area
        )
        provider.set_number(f"1{rng.choice('35789')}{rng.randrange(10**9):09d}")
        provider.save()
        if grid_numbers:
            provider.grids.set([grids[n - 1] for n in grid_numbers if n <= len(grids)])
        quality[provider] = q
    return quality


def _callers(ctx) -> None:
    from people.models import Resident

    residents = list(
        Resident.objects.filter(
            community=ctx.community, moved_away_on__isnull=True, household__isnull=False
        )
        .select_related("household__building__compound__grid__community", "community")
        .order_by("id")
    )
    ctx.extra["hotline_callers"] = residents
    alone = set(
        Resident.care_tags.through.objects.filter(
            caretag__code__in=("living_alone", "empty_nest", "lost_only_child"),
            resident__community=ctx.community,
        ).values_list("resident_id", flat=True)
    )
    ctx.extra["hotline_alone"] = alone


def load(ctx) -> None:
    if ctx.community is None or "operator" not in ctx.users or "leader" not in ctx.users:
        return
    rng = ctx.rng("hotline")
    ctx.extra["units"] = _units(ctx)
    ctx.extra["provider_quality"] = _providers(ctx, rng)
    _callers(ctx)
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate(now)
    start = now - dt.timedelta(days=365)
    sim = _Simulation(ctx, rng, start=start, end=now)
    if sim.residents:
        sim.schedule_year(ORDERS_PER_YEAR)
        _stories(sim, today)
    with sla.cached_limits():
        sim.run()
    # The history's messages were read long ago; the last few days' wait in the inbox.
    Notification.objects.filter(created_at__lt=now - dt.timedelta(days=3)).update(
        status=Notification.Status.SENT, channel="store", sent_at=now, read_at=now, attempts=1
    )
