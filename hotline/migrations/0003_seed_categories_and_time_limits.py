"""Seed the category catalogue and the default time limits (editable by admins later).

Defaults from the issue: urgent — accept within 30 minutes, resolve within 24 hours;
pressing — 2 hours / 3 working days; normal — 1 working day / 7 working days.
"""

from django.db import migrations

# (code, name, group, default urgency, default level, provider trade, volunteer skill,
#  often solved on the call, description)
CATEGORIES = [
    ("appliance_repair", "家电维修", "维修", "normal", "grid", "appliance_repair", "electrical", False, "电视、冰箱、洗衣机等家用电器故障"),
    ("roof_leak", "屋顶墙体漏水", "维修", "pressing", "grid", "roofing", "", False, "屋顶、外墙、阳台渗漏"),
    ("drain_blockage", "下水道堵塞", "维修", "pressing", "grid", "drain_clearing", "", False, "下水道、化粪池堵塞外溢"),
    ("water_pipe", "水管水暖", "维修", "pressing", "grid", "plumber", "repair", False, "水管破裂、漏水、暖气不热"),
    ("electrical", "电路故障", "维修", "pressing", "grid", "electrician", "electrical", False, "家中或楼道断电、线路老化"),
    ("lock", "开锁换锁", "维修", "pressing", "grid", "locksmith", "", False, "钥匙丢失、门锁损坏"),
    ("road_damage", "巷道路面破损", "公共设施", "normal", "community", "", "", False, "巷道、路面坑洼，下水道盖板破损"),
    ("street_lighting", "路灯照明", "公共设施", "normal", "unit", "electrician", "", False, "路灯不亮、缺少照明"),
    ("sanitation", "垃圾清运与环境卫生", "环境", "normal", "grid", "", "labour", False, "垃圾堆积、卫生死角"),
    ("neighbour_dispute", "邻里纠纷", "矛盾调解", "pressing", "community", "", "mediation", False, "邻里之间的矛盾纠纷"),
    ("property", "物业管理", "物业", "normal", "community", "", "", False, "物业服务、公共部位管理"),
    ("noise", "噪音扰民", "环境", "normal", "grid", "", "mediation", False, "装修、商铺、夜间噪音"),
    ("companionship", "陪伴聊天", "关爱服务", "normal", "grid", "", "companionship", True, "独居、空巢老人想找人说说话"),
    ("errands", "代买代办", "关爱服务", "normal", "grid", "", "errands", False, "买药、买菜、代缴费用"),
    ("elderly_emergency", "老人紧急求助", "关爱服务", "urgent", "community", "", "health", False, "摔倒、突发不适、联系不上家人"),
    ("consultation", "政策咨询", "咨询", "normal", "grid", "", "", True, "政策、办事流程咨询"),
    ("other", "其他", "其他", "normal", "grid", "", "", False, ""),
]

# (urgency, response amount, unit, resolution amount, unit, warn before minutes)
LIMITS = [
    ("urgent", 30, "minutes", 24, "hours", 10),
    ("pressing", 2, "hours", 3, "working_days", 30),
    ("normal", 1, "working_days", 7, "working_days", 120),
]


def seed(apps, schema_editor):
    from pypinyin import Style, lazy_pinyin

    Category = apps.get_model("hotline", "Category")
    SlaLimit = apps.get_model("hotline", "SlaLimit")
    for position, row in enumerate(CATEGORIES, start=1):
        code, name, group, urgency, level, trade, skill, on_call, description = row
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_pinyin": "".join(lazy_pinyin(name)),
                "name_initials": "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)),
                "group": group,
                "description": description,
                "default_urgency": urgency,
                "default_level": level,
                "provider_trade": trade,
                "volunteer_skill": skill,
                "solvable_on_call": on_call,
                "order": position * 10,
            },
        )
    for urgency, r_amount, r_unit, s_amount, s_unit, warn in LIMITS:
        SlaLimit.objects.update_or_create(
            category=None,
            urgency=urgency,
            defaults={
                "response_amount": r_amount,
                "response_unit": r_unit,
                "resolution_amount": s_amount,
                "resolution_unit": s_unit,
                "warn_before_minutes": warn,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("hotline", "0002_outbox_counters_callbacks")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
