"""Seed the rainy season, the service minutes of care orders and the categories that
recur by nature, from the hotline's category catalogue (codes of hotline 0003)."""

from django.db import migrations

# The rainy months in 运城 are July to September; the list shows from June.
RAINY_SEASON = ("雨季", 7, 9, 1, ["roof_leak", "drain_blockage", "road_damage"])
# Minutes a volunteer earns for a resolved order of these categories.
ORDER_MINUTES = {"companionship": 60, "errands": 60}
# A lonely elder calling every week for a chat is the service working, not a problem.
NO_RECURRENCE = ["companionship", "consultation"]


def seed(apps, schema_editor):
    Category = apps.get_model("hotline", "Category")
    Season = apps.get_model("care", "Season")
    OrderHoursRule = apps.get_model("care", "OrderHoursRule")
    RecurrenceRule = apps.get_model("care", "RecurrenceRule")
    categories = {c.code: c for c in Category.objects.all()}
    name, start, end, lead, codes = RAINY_SEASON
    if not Season.objects.filter(name=name).exists():
        season = Season.objects.create(
            name=name, start_month=start, end_month=end, lead_months=lead
        )
        season.categories.set([categories[c] for c in codes if c in categories])
    for code, minutes in ORDER_MINUTES.items():
        if code in categories:
            OrderHoursRule.objects.get_or_create(
                category=categories[code], defaults={"minutes": minutes}
            )
    for code in NO_RECURRENCE:
        if code in categories:
            RecurrenceRule.objects.get_or_create(
                category=categories[code], defaults={"is_active": False}
            )


def unseed(apps, schema_editor):
    apps.get_model("care", "Season").objects.filter(name=RAINY_SEASON[0]).delete()
    apps.get_model("care", "OrderHoursRule").objects.filter(
        category__code__in=list(ORDER_MINUTES)
    ).delete()
    apps.get_model("care", "RecurrenceRule").objects.filter(
        category__code__in=NO_RECURRENCE
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("care", "0002_seed_contact_rules"),
        ("hotline", "0003_seed_categories_and_time_limits"),
    ]
    operations = [migrations.RunPython(seed, unseed)]
