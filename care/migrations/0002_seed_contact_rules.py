"""Default contact rules per care tag and the default recurrence rule.

Both are data the office edits in the admin; these are the starting values from the
issue ("an elder over 80 living alone: a call every week and a visit every month; a
失独 elder: a visit every two weeks").
"""

from django.db import migrations

# (name, tag codes that must all be present, kind, every days)
RULES = [
    ("高龄独居：每周电话", ["aged_80", "living_alone"], "call", 7),
    ("高龄独居：每月走访", ["aged_80", "living_alone"], "visit", 30),
    ("失独：每两周走访", ["lost_only_child"], "visit", 14),
    ("独居：每周电话", ["living_alone"], "call", 7),
    ("高龄：每两周电话", ["aged_80"], "call", 14),
    ("空巢：每两周电话", ["empty_nest"], "call", 14),
    ("行动不便：每两周电话", ["limited_mobility"], "call", 14),
    ("残疾：每两周电话", ["disabled"], "call", 14),
    ("重病：每周电话", ["serious_illness"], "call", 7),
    ("重病：每两周走访", ["serious_illness"], "visit", 14),
    ("低保：每季度走访", ["low_income"], "visit", 90),
]


def seed(apps, schema_editor):
    CareTag = apps.get_model("people", "CareTag")
    ContactRule = apps.get_model("care", "ContactRule")
    RecurrenceRule = apps.get_model("care", "RecurrenceRule")
    tags = {tag.code: tag for tag in CareTag.objects.all()}
    for order, (name, codes, kind, every) in enumerate(RULES):
        if not all(code in tags for code in codes) or ContactRule.objects.filter(name=name).exists():
            continue
        rule = ContactRule.objects.create(name=name, kind=kind, every_days=every, order=order)
        rule.tags.set([tags[code] for code in codes])
    if not RecurrenceRule.objects.filter(category__isnull=True).exists():
        RecurrenceRule.objects.create(threshold=3, window_days=180, is_active=True)


def unseed(apps, schema_editor):
    apps.get_model("care", "ContactRule").objects.filter(name__in=[r[0] for r in RULES]).delete()
    apps.get_model("care", "RecurrenceRule").objects.filter(category__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0001_care_plans_visits_hours_recurrence")]
    operations = [migrations.RunPython(seed, unseed)]
