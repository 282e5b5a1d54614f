"""The seed report's five hotline stories, each walked end to end through the services.

"失独老人家里的电视机'罢工'了，一个电话，维修师傅立马上门；独居老人闷得慌，拨通热线，
烦心事唠一唠心里就舒坦了；王阿姨腿脚不便，买药犯了难，热线一响，这些事儿立马就有人帮忙张罗"
— and the roof in 贸易货栈小区 and the drain in 和谐果品小区.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from hotline import services, sla
from hotline.models import Level, Order
from hotline.tests.factories import category, make_provider, make_resident, make_volunteer
from linli import testing as t
from people.models import CareTag
from places.models import Household

pytestmark = pytest.mark.django_db
State = Order.State
SH = ZoneInfo("Asia/Shanghai")


def at(*args):
    return dt.datetime(*args, tzinfo=SH)


def timeline(order):
    return [(e.kind, e.to_state) for e in order.events.order_by("at", "id")]


def test_a_bereaved_elders_tv_is_repaired_by_a_provider_and_she_is_satisfied(operator, household):
    elder = make_resident(household, "孙桂英", phone="03594021234", birth_year=1946)
    elder.care_tags.add(CareTag.objects.get(code="lost_only_child"))
    community = household.building.compound.grid.community
    tv_man = make_provider(community, "老马电视维修", trade="appliance_repair", label="电视维修")

    order = services.create_order(
        acting_user=operator,
        category=category("appliance_repair"),
        description="电视机不出图像了，一个人在家就靠它",
        caller=elder,
    )
    assert order.household == household
    best = services.suggest_assignees(order)[0]
    assert best.kind == "provider" and best.object == tv_man

    services.dispatch_order(acting_user=operator, order=order, provider=tv_man, note="师傅下午上门")
    services.accept_order(acting_user=operator, order=order, channel="phone")
    services.resolve_order(
        acting_user=operator, order=order, resolution="更换电源板，电视恢复正常", channel="phone"
    )
    services.record_callback(
        acting_user=operator, order=order, result="satisfied", words="师傅来得快，谢谢社区"
    )
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.satisfaction == "satisfied"
    assert [k for k, _ in timeline(order)] == [
        "created",
        "dispatched",
        "accepted",
        "resolved",
        "callback",
        "closed",
    ]
    assert order.events.get(kind="accepted").on_behalf_of == str(tv_man)


def test_a_lonely_elder_living_alone_is_comforted_on_the_call(operator, household):
    elder = make_resident(household, "李淑珍", birth_year=1941)
    elder.care_tags.add(CareTag.objects.get(code="living_alone"))
    companionship = category("companionship")
    assert companionship.solvable_on_call

    order = services.create_order(
        acting_user=operator,
        category=companionship,
        description="晚上一个人闷得慌，想找人说说话",
        caller=elder,
        solved_on_call=True,
        resolution="聊了家常和孙子的学习，老人说心里舒坦了；约好周末再打电话",
    )
    assert order.state == State.RESOLVED
    assert timeline(order) == [("created", "received"), ("solved_on_call", "resolved")]
    assert order.assignee_label == ""
    services.record_callback(acting_user=operator, order=order, result="satisfied")
    assert Order.objects.get(pk=order.pk).state == State.CLOSED


def test_auntie_wang_who_cannot_walk_gets_her_medicine_from_a_volunteer(
    operator, volunteer, household, grid
):
    wang = make_resident(household, "王阿姨", birth_year=1950)
    wang.care_tags.add(CareTag.objects.get(code="limited_mobility"))
    community = household.building.compound.grid.community
    helper = make_volunteer(
        community,
        "赵建国",
        grid=grid,
        skills=["errands", "companionship"],
        user=volunteer,
        kind="retired_cadre",
    )

    order = services.create_order(
        acting_user=operator,
        category=category("errands"),
        description="腿脚不便，降压药吃完了，想请人帮忙去药店买",
        caller=wang,
    )
    volunteers = [s for s in services.suggest_assignees(order) if s.kind == "volunteer"]
    assert volunteers[0].object == helper

    services.dispatch_order(acting_user=operator, order=order, volunteer=helper)
    assert volunteer.notifications.filter(kind="dispatched", order=order).exists()
    services.accept_order(acting_user=volunteer, order=order, channel="mobile")
    services.resolve_order(
        acting_user=volunteer,
        order=order,
        resolution="买好苯磺酸氨氯地平片两盒送到家，收据交给王阿姨",
        channel="mobile",
    )
    services.record_callback(acting_user=operator, order=order, result="satisfied")
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.assignee_volunteer == helper


def test_the_roof_that_leaks_after_a_renovation_is_reopened_until_it_is_fixed(
    operator, leader, grid
):
    compound = t.make_compound(grid, "贸易货栈小区")
    home = t.make_household(t.make_building(compound, "2号楼"), "601")
    caller = make_resident(home, "周大爷")
    contractor = make_provider(
        compound.grid.community, "宏达装修队", trade="roofing", label="防水补漏"
    )

    # A rainy winter night, 22:40.
    with time_machine.travel(at(2025, 12, 8, 22, 40), tick=False):
        order = services.create_order(
            acting_user=leader,
            category=category("roof_leak"),
            description="前阵子房屋改造，现在一到雨天屋顶就漏，施工方修了几次都没弄好",
            caller=caller,
        )
        assert order.urgency == "pressing"
        services.dispatch_order(
            acting_user=leader, order=order, provider=contractor, note="马上联系施工方上门查看"
        )
    for attempt, day in enumerate((10, 16), start=1):
        with time_machine.travel(at(2025, 12, day, 9, 0), tick=False):
            services.accept_order(acting_user=leader, order=order, channel="phone")
            services.add_note(
                acting_user=leader,
                order=order,
                note="冒雨到居民家查找渗漏点",
                photo_paths=[f"orders/roof-{attempt}.jpg"],
            )
            services.resolve_order(acting_user=leader, order=order, resolution="施工方重新做了防水")
        with time_machine.travel(at(2025, 12, day + 2, 10, 0), tick=False):
            services.record_callback(
                acting_user=operator, order=order, result="unsatisfied", words="昨晚下雨又漏了"
            )
        order.refresh_from_db()
        assert order.state == State.DISPATCHED  # 重办, back to the same contractor
        assert order.assignee_provider == contractor
        assert order.reopen_count == attempt

    with time_machine.travel(at(2025, 12, 19, 9, 0), tick=False):
        services.supervise_order(
            acting_user=leader, order=order, note="两次没修好，我盯着施工方彻底解决"
        )
        services.accept_order(acting_user=leader, order=order, channel="phone")
        services.resolve_order(
            acting_user=leader,
            order=order,
            resolution="找到女儿墙裂缝渗漏点，整体重做防水层，淋水试验不漏",
        )
    with time_machine.travel(at(2025, 12, 26, 10, 0), tick=False):
        services.record_callback(
            acting_user=operator, order=order, result="satisfied", words="下了两场雨都不漏了"
        )
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.satisfaction == "satisfied"
    assert order.reopen_count == 2
    assert order.is_supervised
    assert order.events.filter(kind="reopened").count() == 2
    assert order.events.filter(kind="resolved").count() == 3
    assert order.photos.count() == 2
    # The first acceptance is what the response rate measures.
    assert order.accepted_at == at(2025, 12, 10, 9, 0)


def test_the_sewer_flooding_a_shop_gathers_three_callers_on_one_urgent_order(
    operator, grid_worker, leader, grid
):
    compound = t.make_compound(grid, "和谐果品小区")
    building = t.make_building(compound, "1号楼")
    shop = Household.objects.create(
        building=building, unit="1", room="101", floor_area_centi_m2=4200, use=Household.Use.SHOP
    )
    upstairs = t.make_household(building, "201")
    across = t.make_household(building, "202")
    owner = make_resident(shop, "门面房房主")

    with time_machine.travel(at(2026, 7, 14, 7, 30), tick=False):
        order = services.create_order(
            acting_user=operator,
            category=category("drain_blockage"),
            description="楼上住户下水道严重堵塞，粪水倒灌进店铺",
            caller=owner,
            urgency="urgent",
        )
        assert order.response_due == at(2026, 7, 14, 8, 0)
        assert order.resolution_due == at(2026, 7, 15, 7, 30)
        services.dispatch_order(acting_user=operator, order=order, user=grid_worker)
        services.accept_order(acting_user=grid_worker, order=order, channel="mobile")

    for minute, (home, name, words) in enumerate(
        [
            (upstairs, "二楼住户", "我家下水道也不下水了"),
            (across, "对门住户", "楼道里有粪水味道，下水道冒水"),
        ]
    ):
        with time_machine.travel(at(2026, 7, 14, 8, 10 + minute), tick=False):
            offered = services.find_duplicates(
                community=compound.grid.community,
                category=category("drain_blockage"),
                household=home,
                text=words,
            )
            assert offered == [order]
            services.attach_caller(
                acting_user=operator, order=offered[0], caller=make_resident(home, name), note=words
            )
    assert order.contacts.count() == 3
    assert Order.objects.count() == 1

    with time_machine.travel(at(2026, 7, 14, 15, 0), tick=False):
        services.add_note(
            acting_user=leader,
            order=order,
            note="现场会议：住户商定找价格公道的施工队疏通，费用按户分摊",
        )
        services.resolve_order(
            acting_user=grid_worker,
            order=order,
            resolution="施工队疏通主管道，清理店铺，已恢复排水",
            channel="mobile",
        )
    assert sla.sweep_deadlines(at(2026, 7, 15, 8, 0)) == {
        "warned": 0,
        "escalated": 0,
        "supervised": 0,
    }
    with time_machine.travel(at(2026, 7, 15, 10, 0), tick=False):
        for result in ("satisfied", "basic", "satisfied"):
            services.record_callback(acting_user=operator, order=order, result=result)
    order.refresh_from_db()
    assert order.state == State.CLOSED
    assert order.satisfaction == "basic"
    assert order.level == Level.GRID  # small matters stay in the grid
    assert sorted(c.callback_result for c in order.contacts.all()) == [
        "basic",
        "satisfied",
        "satisfied",
    ]
