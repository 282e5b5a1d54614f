"""Demo residents of 葫芦岛社区: ~7,000 people, about 70% aged 60 or over, tenants in
the rented households, care tags in plausible proportions, and the people the
seed's stories need, each with a stable phone number (``SEED_PEOPLE``) so the
hotline demo and ``manage.py simulate_call 13800001234`` find them.

Deterministic: the names, ages and numbers come from ``ctx.rng("people")``.
Later apps find the seed people in ``ctx.extra["people"]`` (key → Resident) and
the service team in ``ctx.extra["volunteers"]`` (name → Volunteer).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from linli.lib import pii
from people import text
from people.models import CareTag, EmergencyContact, Membership, Phone, Resident, Volunteer
from places.models import Household


@dataclass(frozen=True)
class SeedPerson:
    key: str
    name: str
    sex: str
    age: int
    phone: str  # normalised; dial it with manage.py simulate_call
    label: str
    compound: str
    building: str
    unit: str
    room: str
    care_tags: tuple[str, ...]
    note: str
    uses_smartphone: bool = False
    relation: str = Membership.Relation.OWNER


# The people of the seed report (000_43ed4930b0e6bc69.txt). Numbers are fictitious.
SEED_PEOPLE = [
    SeedPerson(
        "lost_only_child_elder",
        "张德厚",
        "M",
        81,
        "13800001234",
        "本人",
        "供销巷小区",
        "1号楼",
        "1",
        "201",
        ("lost_only_child", "empty_nest", "aged_80"),
        "失独老人，老伴已去世；电视机是他唯一的伴儿，坏了就打热线。",
    ),
    SeedPerson(
        "lonely_elder",
        "李秀英",
        "F",
        84,
        "03594021234",
        "家中座机",
        "双溪巷小区",
        "2号楼",
        "1",
        "102",
        ("living_alone", "aged_80"),
        "独居，爱聊天，闷了就打热线说说话。",
    ),
    SeedPerson(
        "wang_ayi",
        "王秀兰",
        "F",
        76,
        "13800005678",
        "本人",
        "双桥巷",
        "5号院",
        "",
        "1",
        ("limited_mobility", "empty_nest"),
        "王阿姨，腿脚不便，买药需要有人帮忙。",
    ),
    SeedPerson(
        "shop_owner",
        "赵永福",
        "M",
        54,
        "13903591188",
        "本人",
        "和谐果品小区",
        "1号楼",
        "1",
        "101",
        (),
        "门面房房主（果品店）；楼上下水道堵塞时粪水倒灌进店。",
        uses_smartphone=True,
    ),
    SeedPerson(
        "above_shop_1",
        "孙建华",
        "M",
        67,
        "13803590201",
        "本人",
        "和谐果品小区",
        "1号楼",
        "1",
        "201",
        (),
        "住在门面房楼上。",
    ),
    SeedPerson(
        "above_shop_2",
        "周玉梅",
        "F",
        63,
        "13803590202",
        "本人",
        "和谐果品小区",
        "1号楼",
        "1",
        "202",
        (),
        "住在门面房楼上。",
        uses_smartphone=True,
    ),
    SeedPerson(
        "above_shop_3",
        "吴国强",
        "M",
        71,
        "13803590301",
        "本人",
        "和谐果品小区",
        "1号楼",
        "1",
        "301",
        (),
        "住在门面房楼上；上次集资修过下水道。",
    ),
    SeedPerson(
        "leaking_roof",
        "陈光明",
        "M",
        66,
        "13603591010",
        "本人",
        "贸易货栈小区",
        "2号楼",
        "1",
        "501",
        (),
        "顶层；房屋改造后一下雨屋顶就漏，施工方修了几次没修好。",
    ),
    SeedPerson(
        "volunteer_zhao",
        "赵建国",
        "M",
        68,
        "13703590001",
        "本人",
        "贸易货栈小区",
        "1号楼",
        "2",
        "301",
        (),
        "退休干部，热线志愿服务队队员（demo 账号 volunteer）。",
        uses_smartphone=True,
    ),
]
SEED_BY_KEY = {p.key: p for p in SEED_PEOPLE}
DEMO_TAGS = [
    ("living_alone", "独居"),
    ("lost_only_child", "失独"),
    ("empty_nest", "空巢"),
    ("limited_mobility", "行动不便"),
    ("disabled", "残疾"),
    ("low_income", "低保"),
    ("aged_80", "高龄"),
    ("serious_illness", "重病"),
]

# Volunteers of the service team (seed: retired cadres, community workers, in-service
# party members). (name, kind, grid number, skills, availability, user)
VOLUNTEERS = [
    ("赵建国", "retired_cadre", 1, ["companionship", "errands"], "工作日上午、周末", "volunteer"),
    ("刘桂兰", "retired_cadre", 1, ["companionship", "health"], "每天下午", None),
    ("樊福禄", "resident", 2, ["repair", "labour"], "周末", None),
    ("刘荣", "resident", 2, ["mediation", "labour"], "随时", None),
    ("李全洲", "party_member", 2, ["mediation", "repair"], "周末", None),
    ("谢雷鸣", "party_member", 2, ["labour", "errands"], "周末", None),
    ("茹跃民", "party_member", 2, ["labour", "electrical"], "周六", None),
    ("樊增平", "resident", 2, ["mediation"], "晚上", None),
    ("郭淑芳", "community_worker", 3, ["companionship", "errands"], "工作日", None),
    ("薛志强", "retired_cadre", 4, ["electrical", "repair"], "工作日上午", None),
    ("卫红梅", "community_worker", 5, ["health", "companionship"], "工作日", None),
    ("贾振华", "party_member", 6, ["errands", "labour"], "周末", None),
    ("梁玉珍", "retired_cadre", 7, ["companionship"], "每天上午", None),
    ("段海涛", "party_member", 8, ["repair", "electrical"], "周日", None),
]

SURNAMES = (
    "王王王李李李张张刘刘刘赵杨陈郭郭薛吴孙樊樊马卫贾梁周牛段冯任史柴畅景高董姚杜韩裴席闫宁侯范吕许"
)
ELDER_FEMALE = [
    "秀兰",
    "桂英",
    "玉梅",
    "秀英",
    "桂芝",
    "凤英",
    "淑珍",
    "翠花",
    "玉兰",
    "秀珍",
    "巧云",
    "金花",
    "月娥",
    "爱莲",
    "淑芳",
    "改娥",
    "彩霞",
    "桂香",
    "兰英",
    "雪梅",
]
ELDER_MALE = [
    "建国",
    "国强",
    "振华",
    "福生",
    "长贵",
    "永福",
    "志明",
    "保国",
    "建华",
    "树林",
    "满仓",
    "文斌",
    "德胜",
    "金生",
    "光荣",
    "忠良",
    "宝山",
    "天喜",
    "有才",
    "守义",
]
YOUNG_FEMALE = [
    "丽",
    "敏",
    "静",
    "婷",
    "晓燕",
    "海燕",
    "娟",
    "芳",
    "艳",
    "倩",
    "佳",
    "欣怡",
    "雪",
    "璐",
]
YOUNG_MALE = ["伟", "强", "磊", "军", "涛", "鹏", "斌", "浩", "杰", "宇", "超", "晨", "鑫", "凯"]
MOBILE_PREFIXES = [
    "138",
    "139",
    "137",
    "135",
    "136",
    "150",
    "151",
    "152",
    "158",
    "159",
    "182",
    "183",
    "187",
    "188",
    "130",
    "131",
    "132",
    "155",
    "156",
    "185",
    "186",
    "133",
    "153",
    "180",
    "189",
    "199",
    "177",
]
CHILD_RELATIONS = ["儿子", "女儿", "儿子", "女儿", "侄子", "外甥女"]


class _Numbers:
    """Unique fictitious numbers, never one of the seed people's."""

    def __init__(self, rng):
        self.rng = rng
        self.used = {p.phone for p in SEED_PEOPLE}

    def _unique(self, make) -> str:
        while True:
            number = make()
            if number not in self.used:
                self.used.add(number)
                return number

    def mobile(self) -> str:
        return self._unique(
            lambda: self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
        )

    def landline(self) -> str:
        return self._unique(lambda: f"03594{self.rng.randrange(10**6):06d}")


def _name(rng, sex: str, age: int, surname: str | None = None) -> str:
    surname = surname or rng.choice(SURNAMES)
    if age >= 50:
        pool = ELDER_FEMALE if sex == "F" else ELDER_MALE
    else:
        pool = YOUNG_FEMALE if sex == "F" else YOUNG_MALE
    return surname + rng.choice(pool)


def _id_number(rng, sex: str, birth_year: int) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    serial = rng.randrange(100, 999) // 2 * 2 + (1 if sex == "M" else 0)
    first17 = f"140821{birth_year:04d}{month:02d}{day:02d}{serial:03d}"
    return first17 + pii.id_check_digit(first17)


@dataclass
class _Person:
    name: str
    sex: str
    age: int
    relation: str
    household: Household
    phones: list
    tags: set
    smartphone: bool
    party: bool = False
    note: str = ""
    id_number: str = ""
    contact: tuple | None = None
    seed_key: str = ""


def _elder_household(rng, numbers, household) -> list[_Person]:
    """An owner-occupied home in an old compound: mostly elders, sometimes their family.

    The mix is tuned so that about 70% of the community is 60 or over, as in the
    seed ("60岁以上的老人占居民总数的近七成").
    """
    roll = rng.random()
    people = []
    surname = rng.choice(SURNAMES)

    def young(age, same_name=True):
        return _young(
            rng, numbers, household, rng.choice("FM"), age, surname if same_name else None
        )

    if roll < 0.14:  # an elder living alone
        sex = "F" if rng.random() < 0.68 else "M"
        people.append(
            _elder(rng, numbers, household, sex, rng.randint(64, 92), surname, alone=True)
        )
    elif roll < 0.48:  # an elderly couple, children elsewhere
        people += _couple(rng, numbers, household, surname, rng.randint(62, 85))
        if rng.random() < 0.2:  # raising a grandchild whose parents work away (留守)
            people.append(young(rng.randint(5, 15)))
        elif rng.random() < 0.55:
            for person in people:
                person.tags.add("empty_nest")
    elif roll < 0.58:  # an elderly couple and an unmarried child
        people += _couple(rng, numbers, household, surname, rng.randint(63, 80))
        people.append(young(rng.randint(28, 45)))
    elif roll < 0.90:  # a very old parent living with a child's couple in their sixties
        parent = _elder(rng, numbers, household, rng.choice("FFM"), rng.randint(76, 94), surname)
        people.append(parent)
        people += _couple(rng, numbers, household, surname, rng.randint(60, 68))
        if rng.random() < 0.8:
            people.append(young(rng.randint(30, 42)))
    elif roll < 0.96:  # three generations
        people.append(
            _elder(rng, numbers, household, rng.choice("FM"), rng.randint(62, 82), surname)
        )
        child_age = rng.randint(34, 50)
        people.append(young(child_age))
        people.append(young(child_age - 2, same_name=False))
        people.append(young(rng.randint(4, 18)))
    else:  # a younger family
        age = rng.randint(32, 58)
        people.append(young(age))
        people.append(young(age - rng.randint(0, 4), same_name=False))
        if rng.random() < 0.7:
            people.append(young(rng.randint(3, 18)))
    people[0].relation = Membership.Relation.OWNER
    for person in people[1:]:
        person.relation = Membership.Relation.FAMILY
    return people


def _couple(rng, numbers, household, surname, age) -> list[_Person]:
    landline = numbers.landline() if rng.random() < 0.6 else ""
    husband = _elder(rng, numbers, household, "M", age, surname, landline=landline)
    wife_age = max(60, age - rng.randint(0, 5))
    wife = _elder(rng, numbers, household, "F", wife_age, None, landline=landline)
    return [husband, wife]


def _elder(rng, numbers, household, sex, age, surname, *, alone=False, landline="") -> _Person:
    tags: set[str] = set()
    if alone:
        tags.add("living_alone")
    if age >= 80:
        tags.add("aged_80")
    if rng.random() < 0.08 + (0.1 if age >= 80 else 0):
        tags.add("limited_mobility")
    if rng.random() < 0.025:
        tags.add("disabled")
    if rng.random() < 0.035:
        tags.add("low_income")
    if rng.random() < 0.02:
        tags.add("serious_illness")
    if rng.random() < 0.006:
        tags.add("lost_only_child")
    smartphone = rng.random() < (0.45 if age < 70 else 0.18)
    phones = []
    if landline:
        phones.append((landline, "家中座机"))
    if smartphone or rng.random() < 0.55:
        phones.append((numbers.mobile(), "本人"))
    if not phones:
        phones.append((numbers.landline(), "家中座机"))
    contact = None
    if (
        tags & {"living_alone", "lost_only_child", "limited_mobility", "aged_80"}
        or rng.random() < 0.3
    ):
        if "lost_only_child" in tags:
            contact = (_name(rng, rng.choice("FM"), 40), "侄子", numbers.mobile())
        else:
            contact = (
                _name(rng, rng.choice("FM"), 40, surname),
                rng.choice(CHILD_RELATIONS),
                numbers.mobile(),
            )
    return _Person(
        name=_name(rng, sex, age, surname),
        sex=sex,
        age=age,
        relation=Membership.Relation.OWNER,
        household=household,
        phones=phones,
        tags=tags,
        smartphone=smartphone,
        party=rng.random() < 0.14,
        contact=contact,
    )


def _young(rng, numbers, household, sex, age, surname) -> _Person:
    phones = [(numbers.mobile(), "本人")] if age >= 14 else []
    return _Person(
        name=_name(rng, sex, age, surname),
        sex=sex,
        age=age,
        relation=Membership.Relation.FAMILY,
        household=household,
        phones=phones,
        tags={"disabled"} if rng.random() < 0.01 else set(),
        smartphone=age >= 12 and rng.random() < 0.96,
        party=age >= 25 and rng.random() < 0.07,
    )


def _tenants(rng, numbers, household) -> list[_Person]:
    """Tenants: working people, a young couple, sometimes an elder renting cheaply."""
    if rng.random() < 0.4:  # old flats rent cheaply: many tenants are elders
        age = rng.randint(60, 82)
        elder = _elder(rng, numbers, household, rng.choice("FM"), age, None, alone=True)
        elder.relation = Membership.Relation.TENANT
        return [elder]
    count = rng.choice([1, 2, 2, 3])
    surname = rng.choice(SURNAMES)
    people = []
    for n in range(count):
        age = rng.randint(22, 55) if n < 2 else rng.randint(2, 15)
        person = _young(rng, numbers, household, rng.choice("FM"), age, surname if n != 1 else None)
        person.relation = Membership.Relation.TENANT
        people.append(person)
    return people


def load(ctx) -> None:
    rng = ctx.rng("people")
    numbers = _Numbers(rng)
    community = ctx.community
    households = list(
        Household.objects.filter(building__compound__grid__community=community)
        .select_related("building__compound")
        .order_by("id")
    )
    by_address = {
        (h.building.compound.name, h.building.name, h.unit, h.room): h for h in households
    }
    seed_homes = {}
    for person in SEED_PEOPLE:
        household = by_address[(person.compound, person.building, person.unit, person.room)]
        seed_homes[household.pk] = [
            p
            for p in SEED_PEOPLE
            if by_address[(p.compound, p.building, p.unit, p.room)].pk == household.pk
        ]

    people: list[_Person] = []
    for household in households:
        if household.pk in seed_homes:
            for seed in seed_homes[household.pk]:
                people.append(_seed_person(rng, numbers, household, seed))
            continue
        if household.use == Household.Use.SHOP:
            owner = _young(rng, numbers, household, rng.choice("FM"), rng.randint(35, 62), None)
            owner.relation = Membership.Relation.OWNER
            owner.note = "门面房房主"
            people.append(owner)
        elif household.occupancy == Household.Occupancy.VACANT:
            continue
        elif household.occupancy == Household.Occupancy.RENTED:
            people += _tenants(rng, numbers, household)
        else:
            people += _elder_household(rng, numbers, household)

    residents = _write(rng, community, people)
    ctx.extra["people"] = {
        p.seed_key: r for p, r in zip(people, residents, strict=True) if p.seed_key
    }
    ctx.extra["volunteers"] = _volunteers(ctx, numbers)


def _seed_person(rng, numbers, household, seed: SeedPerson) -> _Person:
    contact = None
    if set(seed.care_tags) & {"lost_only_child", "living_alone", "limited_mobility"}:
        relation = "侄子" if "lost_only_child" in seed.care_tags else "女儿"
        contact = (_name(rng, "F", 40), relation, numbers.mobile())
    return _Person(
        name=seed.name,
        sex=seed.sex,
        age=seed.age,
        relation=seed.relation,
        household=household,
        phones=[(seed.phone, seed.label)],
        tags=set(seed.care_tags),
        smartphone=seed.uses_smartphone,
        note=seed.note,
        contact=contact,
        seed_key=seed.key,
    )


def _write(rng, community, people: list[_Person]) -> list[Resident]:
    """Everything in bulk: ~7,000 residents in a few seconds."""
    this_year = timezone.localdate().year
    # The tags come from a data migration; a flushed database has none, so make
    # sure the ones the demo uses exist.
    for order, (code, name) in enumerate(DEMO_TAGS):
        CareTag.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    tags = {t.code: t for t in CareTag.objects.all()}
    pinyin: dict[str, tuple[str, str]] = {}
    residents = []
    for person in people:
        birth_year = this_year - person.age
        if person.age >= 80:
            person.tags.add("aged_80")
        if person.name not in pinyin:
            pinyin[person.name] = (text.name_pinyin(person.name), text.name_initials(person.name))
        full, initials = pinyin[person.name]
        resident = Resident(
            community=community,
            household=person.household,
            name=person.name,
            name_pinyin=full,
            name_initials=initials,
            sex=person.sex,
            birth_year=birth_year,
            uses_smartphone=person.smartphone,
            is_party_member=person.party,
            notes=person.note,
            search_text=text.search_text(person.name, full, initials, person.household),
        )
        if rng.random() < 0.35 and person.age >= 16:
            resident.set_id_number(_id_number(rng, person.sex, birth_year))
        residents.append(resident)
    Resident.objects.bulk_create(residents, batch_size=1000)

    phones, contacts, memberships, links = [], [], [], []
    through = Resident.care_tags.through
    years_ago = timezone.localdate() - dt.timedelta(days=365)
    for person, resident in zip(people, residents, strict=True):
        for position, (number, label) in enumerate(person.phones):
            phone = Phone(resident=resident, label=label, is_primary=position == 0)
            phone.set_number(number)
            phones.append(phone)
        if person.contact:
            name, relation, number = person.contact
            contact = EmergencyContact(resident=resident, name=name, relation=relation)
            contact.set_number(number)
            contacts.append(contact)
        if person.relation == Membership.Relation.TENANT:
            start = timezone.localdate() - dt.timedelta(days=rng.randint(30, 900))
        else:
            start = years_ago - dt.timedelta(days=365 * rng.randint(1, 25))
        memberships.append(
            Membership(
                resident=resident,
                household=person.household,
                relation=person.relation,
                start_date=start,
            )
        )
        links.extend(through(resident=resident, caretag=tags[code]) for code in sorted(person.tags))
    Phone.objects.bulk_create(phones, batch_size=2000)
    EmergencyContact.objects.bulk_create(contacts, batch_size=2000)
    Membership.objects.bulk_create(memberships, batch_size=2000)
    through.objects.bulk_create(links, batch_size=2000)
    _past_tenants(rng, community, people)
    return residents


def _past_tenants(rng, community, people: list[_Person]) -> None:
    """Some rented homes had earlier tenants who moved away: their history stays."""
    rented = sorted(
        {
            p.household.pk: p.household for p in people if p.relation == Membership.Relation.TENANT
        }.values(),
        key=lambda h: h.pk,
    )
    today = timezone.localdate()
    for household in rented[::4]:
        sex = rng.choice("FM")
        age = rng.randint(24, 50)
        name = _name(rng, sex, age)
        resident = Resident(
            community=community,
            household=None,
            name=name,
            name_pinyin=text.name_pinyin(name),
            name_initials=text.name_initials(name),
            sex=sex,
            birth_year=today.year - age,
            uses_smartphone=True,
            moved_away_on=today - dt.timedelta(days=rng.randint(40, 400)),
        )
        resident.search_text = text.search_text(
            name, resident.name_pinyin, resident.name_initials, None
        )
        resident.save()
        Membership.objects.create(
            resident=resident,
            household=household,
            relation=Membership.Relation.TENANT,
            start_date=resident.moved_away_on - dt.timedelta(days=rng.randint(180, 1000)),
            end_date=resident.moved_away_on,
        )


def _volunteers(ctx, numbers) -> dict[str, Volunteer]:
    found = {}
    for name, kind, grid_number, skills, availability, username in VOLUNTEERS:
        grid = ctx.grids[grid_number - 1]
        # Only 赵建国 is registered as a resident in the demo; the others are managed
        # by staff without a registry link.
        resident = ctx.extra["people"].get("volunteer_zhao") if username == "volunteer" else None
        volunteer = Volunteer.objects.create(
            community=ctx.community,
            grid=grid,
            name=name,
            kind=kind,
            user=ctx.users.get(username) if username else None,
            resident=resident,
            skills=skills,
            availability=availability,
            phone_masked=resident.phones.get().masked
            if resident
            else pii.mask_phone(numbers.mobile()),
        )
        found[name] = volunteer
    return found
