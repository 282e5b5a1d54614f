"""How wide "the same place" is per category. Shared infrastructure (drains, lanes,
street lights, rubbish) keeps the default (the whole compound or lane); a building's
pipes, wiring and roof stop at the building; a household's appliances, locks and
errands stop at the door. A category row overrides all of the default's numbers."""

from django.db import migrations

WIDEST = {
    "appliance_repair": "household",
    "lock": "household",
    "errands": "household",
    "elderly_emergency": "household",
    "other": "household",
    "water_pipe": "building",
    "electrical": "building",
    "roof_leak": "building",
    "neighbour_dispute": "building",
    "noise": "building",
}


def seed(apps, schema_editor):
    Category = apps.get_model("hotline", "Category")
    RecurrenceRule = apps.get_model("care", "RecurrenceRule")
    default = RecurrenceRule.objects.filter(category__isnull=True).order_by("id").first()
    threshold = default.threshold if default else 3
    window = default.window_days if default else 180
    for category in Category.objects.filter(code__in=list(WIDEST)):
        RecurrenceRule.objects.get_or_create(
            category=category,
            defaults={
                "threshold": threshold,
                "window_days": window,
                "widest_place": WIDEST[category.code],
                "is_active": True,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("care", "RecurrenceRule").objects.filter(
        category__code__in=list(WIDEST)
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("care", "0004_recurrence_widest_place")]
    operations = [migrations.RunPython(seed, unseed)]
