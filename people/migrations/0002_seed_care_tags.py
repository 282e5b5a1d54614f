from django.db import migrations

CARE_TAGS = [
    ("living_alone", "独居", "独自居住的老人或居民"),
    ("lost_only_child", "失独", "独生子女去世的父母"),
    ("empty_nest", "空巢", "子女不在身边的老人"),
    ("limited_mobility", "行动不便", "出门、上下楼有困难"),
    ("disabled", "残疾", "持残疾证"),
    ("low_income", "低保", "享受最低生活保障"),
    ("aged_80", "高龄", "80岁及以上"),
    ("serious_illness", "重病", "患重病、需长期照护"),
]


def seed(apps, schema_editor):
    CareTag = apps.get_model("people", "CareTag")
    for order, (code, name, description) in enumerate(CARE_TAGS):
        CareTag.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order}
        )


def unseed(apps, schema_editor):
    CareTag = apps.get_model("people", "CareTag")
    CareTag.objects.filter(code__in=[c for c, _, _ in CARE_TAGS], residents__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("people", "0001_residents_phones_care_tags")]
    operations = [migrations.RunPython(seed, unseed)]
