"""The seed report's day at 葫芦岛社区, in a browser, as the people in it meet the app.

The tests run in the order written and hand on what they learnt from the pages
(order numbers and addresses) in ``DAY``: the leader's dashboard must show the orders
the operator took, and the outsiders try the address of the order the grid worker
resolved. Nothing is set up in the database: the calls come through the telephony
endpoint, everything else through the pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from playwright.sync_api import Page, expect

from e2e.conftest import PHONE
from e2e.helpers import axe, login_once, reload_until, report, shot, telephony_key, tiny_png

# 张德厚, the bereaved elder of 供销巷小区 1-1-201 (people/demo.py, SEED_PEOPLE).
ELDER_NUMBER = "13800001234"
OPERATOR_EXTENSION = "8002"
# 赵永福 owns the fruit shop at 和谐果品小区 1-1-101; 孙建华 and 周玉梅 live above it.
SHOP_OWNER_NUMBER = "13903591188"
ABOVE_THE_SHOP = {"孙建华": "13803590201", "周玉梅": "13803590202"}
PHONE_CONTEXT = {"viewport": PHONE, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@dataclass
class Day:
    """What the stories learnt from the pages, for the stories after them."""

    orders: dict[str, str] = field(default_factory=dict)  # story → order page path
    numbers: dict[str, str] = field(default_factory=dict)  # story → order number
    accessibility: dict[str, list] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)  # username → browser storage
    phone_key: str = ""

    def order(self, story: str) -> tuple[str, str]:
        """The page path and number of the order a story before this one took."""
        assert story in self.orders, f"the {story!r} story did not get as far as its order"
        return self.orders[story], self.numbers[story]

    def key(self, server) -> str:
        """The phone system's API key, registered once as the installer does."""
        if not self.phone_key:
            self.phone_key = telephony_key(server)
        return self.phone_key


DAY = Day()


def ring(api, key: str, call_id: str, caller: str, event: str = "ringing") -> None:
    """The phone system reports a step of a call to the operator's extension."""
    answer = api.post(
        "/api/telephony/calls",
        headers={"X-Api-Key": key},
        data={
            "call_id": call_id,
            "caller": caller,
            "extension": OPERATOR_EXTENSION,
            "event": event,
        },
    )
    assert answer.status == 200, answer.text()


def order_path(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url).split("?")[0]


def action_form(page: Page, action: str):
    """One of the forms in the order page's "what you can do" column."""
    column = page.get_by_role("complementary", name="可办理事项")
    return column.locator(f"form[action$='/{action}/']")


def answer_call(page: Page, api, key: str, call_id: str, number: str, name: str):
    """The phone rings at the operator's desk: their card pops up; the operator answers."""
    ring(api, key, call_id, number)
    card = page.locator("#caller-panel .caller-card")
    expect(card.get_by_role("heading", name=name)).to_be_visible()
    expect(card).to_contain_text("来电振铃")
    ring(api, key, call_id, number, "answered")
    return card


def type_order(page: Page, category: str, what_happened: str) -> None:
    """Steps one and two of the order form by keyboard: F3, the category's pinyin
    initials and Enter, then what happened and Enter."""
    page.keyboard.press("F3")
    expect(page.get_by_label("类别", exact=True)).to_be_focused()
    page.keyboard.type(category)
    page.keyboard.press("Enter")
    expect(page.get_by_label("诉求内容", exact=True)).to_be_focused()
    page.keyboard.type(what_happened)
    page.keyboard.press("Enter")
    expect(page.get_by_label("紧急程度")).to_be_visible()


def test_a_call_from_the_bereaved_elder_about_his_television(new_page, api, linli_server):
    key = DAY.key(linli_server)
    page = login_once(new_page, "operator", DAY.sessions)
    page.goto("/hotline/console/")
    expect(page.get_by_role("heading", name="热线受理台")).to_be_visible()

    # The phone rings at extension 8002: the caller's card pops up by itself.
    ring(api, key, "story-tv", ELDER_NUMBER)
    card = page.locator("#caller-panel .caller-card")
    expect(card.get_by_role("heading", name="张德厚")).to_be_visible()
    expect(card).to_contain_text("来电振铃")
    expect(card).to_contain_text("失独")
    expect(card).to_contain_text("供销巷小区")
    ring(api, key, "story-tv", ELDER_NUMBER, "answered")

    # The order, by keyboard only: F3 → category by its pinyin initials → Enter …
    page.keyboard.press("F3")
    category = page.get_by_label("类别", exact=True)
    expect(category).to_be_focused()
    page.keyboard.type("jdwx")
    expect(page.locator("#category-options")).to_contain_text("家电维修")
    page.keyboard.press("Enter")
    # … what happened → Enter …
    happened = page.get_by_label("诉求内容", exact=True)
    expect(happened).to_be_focused()
    expect(category).to_have_value("家电维修")
    page.keyboard.type("电视机突然黑屏了，只有声音没有图像，老人一个人在家就靠它解闷")
    page.keyboard.press("Enter")
    # … urgency and place: the caller's home unless said otherwise → Enter saves.
    expect(page.get_by_label("紧急程度")).to_be_visible()
    expect(page.locator("#intake")).to_contain_text("供销巷小区1号楼1单元201")
    expect(page.get_by_role("button", name="保存工单")).to_be_focused()
    shot(page, "console", full_page=True)
    DAY.accessibility["console"] = axe(page)
    page.keyboard.press("Enter")

    done = page.locator(".console-order .msg-success")
    expect(done).to_contain_text("家电维修")
    number = re.search(r"[A-Z]+\d{8,}", done.inner_text()).group(0)
    ring(api, key, "story-tv", ELDER_NUMBER, "ended")
    # The card stays on the caller, his open orders now with this one.
    expect(card.get_by_role("heading", name="张德厚")).to_be_visible()
    expect(card).to_contain_text(number)

    # The order: dispatched to the television repairer the app ranks for it.
    done.get_by_role("link", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("家电维修")
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    DAY.orders["tv"], DAY.numbers["tv"] = order_path(page), number
    expect(page.locator(".order-head")).to_contain_text("受理")
    dispatch = action_form(page, "dispatch")
    suggestions = dispatch.locator("ul.suggestions li")
    expect(suggestions.first).to_be_visible()
    tv_repair = suggestions.filter(has_text="电视维修").first
    provider = tv_repair.locator("label").inner_text()
    tv_repair.get_by_role("radio").check()
    dispatch.get_by_role("button", name="派单").click()
    expect(page.locator(".messages")).to_contain_text(provider)
    expect(page.locator(".order-head")).to_contain_text("已派单")

    # The repairer has no account: the operator records his steps for him.
    accept = action_form(page, "accept")
    accept.get_by_label("代为登记").fill("马师傅（电话告知）")
    accept.get_by_role("button", name="签收").click()
    expect(page.locator(".order-head")).to_contain_text("已签收")
    resolve = action_form(page, "resolve")
    resolve.get_by_label("办理结果").fill("马师傅上门更换了电源板，电视恢复正常")
    resolve.get_by_label("代为登记").fill("马师傅（电话告知）")
    resolve.get_by_role("button", name="办结").click()
    expect(page.locator(".order-head")).to_contain_text("已办结")

    # The call-back: the elder is satisfied, and the order closes.
    page.goto("/hotline/callbacks/")
    waiting = page.locator("main section.card").filter(has_text=DAY.numbers["tv"])
    expect(waiting).to_contain_text("张德厚")
    # "Why not reopen" shows only once "unsatisfied" is chosen.
    reason = waiting.get_by_label("不满意但不重办的理由")
    expect(reason).to_be_hidden()
    waiting.get_by_label("不满意", exact=True).check()
    expect(reason).to_be_visible()
    waiting.get_by_label("满意", exact=True).check()
    expect(reason).to_be_hidden()
    waiting.get_by_label("居民原话").fill("修好了，师傅来得快，谢谢小刘热线")
    waiting.get_by_role("button", name="记录回访").click()
    expect(page.locator("main section.card").filter(has_text=DAY.numbers["tv"])).to_have_count(0)

    page.goto(DAY.orders["tv"])
    expect(page.locator(".order-head")).to_contain_text("已关闭")
    timeline = page.locator("ol.timeline")
    for step in ("受理", "已派单", "已签收", "已办结", "已回访", "已关闭"):
        expect(timeline).to_contain_text(step)
    expect(timeline).to_contain_text("马师傅（电话告知）")
    expect(page.locator("main")).to_contain_text("修好了，师傅来得快")
    shot(page, "order", full_page=True)
    DAY.accessibility["order"] = axe(page)


def test_the_flooded_fruit_shop_on_the_grid_workers_phone(new_page, api, linli_server, tmp_path):
    key = DAY.key(linli_server)
    phone = login_once(new_page, "grid1", DAY.sessions, **PHONE_CONTEXT)
    worker_name = phone.locator("header .who").inner_text()
    desk = login_once(new_page, "operator", DAY.sessions)
    desk.goto("/hotline/console/")

    # The shop owner calls at dawn: sewage from upstairs is coming up into his shop.
    answer_call(desk, api, key, "story-flood-1", SHOP_OWNER_NUMBER, "赵永福")
    type_order(desk, "xsd", "楼上住户的下水道严重堵塞，粪水倒灌进店铺，联系不上所有住户")
    expect(desk.get_by_label("类别", exact=True)).to_have_value("下水道堵塞")
    desk.get_by_label("紧急程度").select_option(label="紧急")
    expect(desk.locator("#intake")).to_contain_text("和谐果品小区1号楼1单元101")  # the shop
    desk.get_by_role("button", name="保存工单").click()
    done = desk.locator(".console-order .msg-success")
    expect(done).to_contain_text("下水道堵塞")
    number = re.search(r"[A-Z]+\d{8,}", done.inner_text()).group(0)
    DAY.numbers["flood"] = number
    ring(api, key, "story-flood-1", SHOP_OWNER_NUMBER, "ended")

    # Two neighbours above the shop call about the same drain: the console offers the
    # open order, and each caller is attached to it instead of a new one.
    for n, (name, number_called) in enumerate(ABOVE_THE_SHOP.items(), start=2):
        answer_call(desk, api, key, f"story-flood-{n}", number_called, name)
        type_order(desk, "xsd", "我家下水道也堵了，楼道里有粪水味")
        offer = desk.locator(".duplicates li").filter(has_text=number)
        expect(offer).to_contain_text("下水道堵塞")
        offer.get_by_role("button", name="将来电人追加到该工单").click()
        # The console starts afresh for the next call, the form back at its first step.
        expect(desk.locator(".duplicates")).to_have_count(0)
        attached = desk.locator(".console-order .msg-success")
        expect(attached).to_contain_text(f"来电人已追加到工单 {number}")
        ring(api, key, f"story-flood-{n}", number_called, "ended")

    # The operator sends it to the grid worker of 和谐果品小区.
    desk.locator(".console-order .msg-success").get_by_role("link", name="查看").click()
    expect(desk.get_by_role("heading", level=1)).to_contain_text(number)
    DAY.orders["flood"] = order_path(desk)
    callers = desk.locator("main table.list").first
    for name in ("赵永福", *ABOVE_THE_SHOP):
        expect(callers).to_contain_text(name)
    dispatch = action_form(desk, "dispatch")
    dispatch.locator("ul.suggestions li").filter(has_text=worker_name).get_by_role("radio").check()
    dispatch.get_by_role("button", name="派单").click()
    expect(desk.locator(".order-head")).to_contain_text("已派单")

    # On the grid worker's phone: the urgent order is in their hands.
    phone.goto("/hotline/mine/")
    mine = phone.locator(".m-list li").filter(has_text="下水道堵塞").filter(has_text="紧急")
    expect(mine.first).to_contain_text("和谐果品小区")
    shot(phone, "worker-phone-list")
    mine.first.get_by_role("link").click()
    expect(phone.locator("main")).to_contain_text(number)
    phone.get_by_role("button", name="签收").click()
    expect(phone.locator("main")).to_contain_text("已签收")
    shot(phone, "worker-phone")
    DAY.accessibility["worker phone"] = axe(phone)

    # A photo of the blocked stack, then the resolution.
    photo = tiny_png(tmp_path / "drain.png")
    phone.get_by_text("添加备注或照片").click()
    notes = phone.locator("form[action$='/note/']")
    notes.get_by_label("备注").fill("立管堵塞，已联系疏通队，先清理店内积水")
    notes.get_by_label("照片").set_input_files(photo)
    notes.get_by_role("button", name="添加").click()
    expect(phone.locator(".m-events")).to_contain_text("立管堵塞")
    resolve = phone.locator("form[action$='/resolve/']")
    resolve.get_by_label("办理结果").fill("疏通队疏通主立管，清理店内积水并消毒，已恢复排水")
    resolve.get_by_role("button", name="办结").click()
    expect(phone).to_have_url(re.compile(r"/hotline/mine/$"))
    expect(phone.locator(".m-list li").filter(has_text=number)).to_have_count(0)

    # Back at the desk: every caller waits for the call-back.
    desk.goto("/hotline/callbacks/")
    waiting = desk.locator("main section.card").filter(has_text=number)
    for name in ("赵永福", *ABOVE_THE_SHOP):
        expect(waiting).to_contain_text(name)
    desk.goto(DAY.orders["flood"])
    expect(desk.locator("ol.timeline img")).to_have_count(1)


def test_a_resident_who_twice_does_not_answer_brings_the_grid_worker(new_page):
    # The grid worker's compounds, and their alerts before: the volunteer's resident
    # must live in one and not be among the other.
    worker = login_once(new_page, "grid1", DAY.sessions, **PHONE_CONTEXT)
    worker.goto("/places/")
    compounds = worker.locator("main table.list tbody tr td:first-child a").all_inner_texts()
    assert "和谐果品小区" in compounds, compounds
    worker.goto("/care/day/")
    alerts = worker.get_by_role("region", name=re.compile("预警：今天上门"))
    expect(alerts).to_be_visible()
    already = alerts.inner_text()

    # The volunteer (a retired cadre) works through the list on their phone.
    volunteer = login_once(new_page, "volunteer", DAY.sessions, **PHONE_CONTEXT)
    volunteer.goto("/care/")
    expect(volunteer.get_by_role("heading", name="今日关爱走访")).to_be_visible()
    mine = volunteer.locator("ul.checkins > li")
    expect(mine.first).to_be_visible()
    chosen = None
    for row in mine.all():
        name = row.locator(".checkin-head strong").inner_text()
        where = row.locator("> .muted").first.inner_text()
        has_phone = row.get_by_role("button", name=re.compile("^显示号码")).count() > 0
        if has_phone and name not in already and any(where.startswith(c) for c in compounds):
            chosen = row
            break
    assert chosen is not None, "none of the volunteer's residents today is in grid 1"
    address = chosen.locator("> .muted").first.inner_text()
    row = volunteer.locator(f"#{chosen.get_attribute('id')}")  # the same row after each swap
    tries = row.locator(".checkin-tries li")
    before = tries.count()

    # Only the masked number is on the list; one tap brings the full one, as a link
    # that dials it (and the look goes to the access log).
    phone = row.locator(".phone-to-call").first
    masked = re.search(r"\d+\*{4}\d{4}", phone.inner_text()).group(0)
    phone.get_by_role("button", name=re.compile("^显示号码")).click()
    dial = row.get_by_role("link", name=re.compile("^拨打"))
    expect(dial).to_be_visible()
    number = dial.get_attribute("href").removeprefix("tel:")
    assert number[:3] == masked[:3] and number[-4:] == masked[-4:], (number, masked)
    expect(row).to_contain_text("已记入访问日志")
    shot(volunteer, "check-ins")
    DAY.accessibility["check-ins"] = axe(volunteer)

    row.get_by_role("button", name="无人应答").click()
    expect(tries).to_have_count(before + 1)
    expect(tries.last).to_contain_text("无人应答")
    # Still due: the buttons stay for the next try, later the same day.
    row.get_by_role("button", name="无人应答").click()
    expect(tries).to_have_count(before + 2)

    # The second no-answer in a row puts the resident on the grid worker's day.
    worker.reload()
    alert = alerts.locator("li").filter(has_text=name)
    expect(alert).to_contain_text(address)
    expect(alert).to_contain_text("两次无人应答")
    shot(worker, "my-day-phone")


def figures(page: Page) -> dict[str, int]:
    """The dashboard's figures for this month that the day's work moves."""
    stats = page.locator(".stats .stat")

    def stat(label: str) -> int:
        return int(stats.filter(has_text=label).locator(".num").inner_text())

    satisfied, called_back = (
        page.locator(".rate-card")
        .filter(has=page.get_by_role("heading", name=re.compile("满意率")))
        .locator(".rate-big .rate-parts")
        .inner_text()
        .split("/")
    )
    return {
        "received": stat("本月受理"),
        "called back": stat("已回访"),
        "satisfied": int(satisfied),
        "satisfaction base": int(called_back),
    }


def test_the_leaders_dashboard_counts_the_days_work(new_page, linli_server):
    tv_path, tv_number = DAY.order("tv")
    flood_path, flood_number = DAY.order("flood")
    leader = login_once(new_page, "leader", DAY.sessions)
    leader.goto("/insights/")
    expect(leader.get_by_role("heading", name="数据看板")).to_be_visible()
    before = figures(leader)

    # The scheduler enqueues the minute's periodic work, as it does in production;
    # the task worker brings the figures up to date.
    linli_server.manage("run_scheduler", "--once")
    received = leader.locator(".stats .stat").filter(has_text="本月受理").locator(".num")
    reload_until(leader, received, lambda text: int(text) >= before["received"] + 2)
    after = figures(leader)
    # Two orders taken today (the neighbours' calls joined the shop's order) …
    assert after["received"] >= before["received"] + 2, (before, after)
    # … and the elder's satisfied call-back counts in the satisfaction rate.
    assert after["called back"] >= before["called back"] + 1, (before, after)
    assert after["satisfied"] >= before["satisfied"] + 1, (before, after)
    assert after["satisfaction base"] >= before["satisfaction base"] + 1, (before, after)
    shot(leader, "dashboard")
    DAY.accessibility["dashboard"] = axe(leader)

    # Behind the figure: the orders received this month, today's among them.
    leader.locator(".stats a.stat").filter(has_text="本月受理").click()
    listed = leader.locator("main")
    expect(listed).to_contain_text(tv_number)
    expect(listed).to_contain_text(flood_number)


def test_people_outside_the_grid_find_no_such_order(new_page):
    path, number = DAY.order("flood")
    # A grid worker of the neighbouring community, and the worker of the next grid.
    for username in ("outsider", "grid2"):
        page = login_once(new_page, username, DAY.sessions)
        for where in (path, path.replace("/orders/", "/mine/")):
            response = page.goto(where)
            assert response.status == 404, (username, where, response.status)
            expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
            expect(page.locator("main")).not_to_contain_text(number)


def test_the_story_pages_have_no_serious_accessibility_violations():
    pages = {"console", "order", "worker phone", "check-ins", "dashboard"}
    assert pages <= DAY.accessibility.keys(), "the stories did not reach every page"
    found = {name: DAY.accessibility[name] for name in sorted(pages)}
    assert found == {name: [] for name in found}, report(found)
