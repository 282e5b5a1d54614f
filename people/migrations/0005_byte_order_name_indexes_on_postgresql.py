"""Byte-order (COLLATE "C") indexes on the name columns, on PostgreSQL only.

A database created with a language collation (en_US.UTF-8, zh_CN.UTF-8) cannot serve
``name LIKE '王%' ORDER BY name`` from one index: the ordinary index has the
language's order, which LIKE cannot use, and the ``varchar_pattern_ops`` index has
byte order, which ORDER BY cannot use. With a million residents the planner then
walks the ordered index and filters most of the table. people.search compares and
orders these columns under COLLATE "C" on PostgreSQL, which these indexes serve
(prefix range and order in one scan). SQLite compares bytes already.
"""

from django.db import migrations

COLUMNS = ("name", "name_pinyin", "name_initials")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "people_resident_{column}_bytes" '
            f'ON "people_resident" ("{column}" COLLATE "C")'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f'DROP INDEX IF EXISTS "people_resident_{column}_bytes"')


class Migration(migrations.Migration):
    dependencies = [("people", "0004_resident_personal_data_removed_at")]

    operations = [migrations.RunPython(create, drop)]
