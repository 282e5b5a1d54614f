"""Phone and ID numbers never reach the database in the clear (nor the audit log)."""

from __future__ import annotations

from pathlib import Path

from django.db import connection

from people import services
from people.tests.factories import make_resident

MOBILE = "13987654321"
LANDLINE = "03594028877"
ID = "142701195003150013"
CONTACT = "13700112233"


def _database_text() -> bytes:
    """Everything the database holds, as bytes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        data = Path(connection.settings_dict["NAME"]).read_bytes()
        wal = Path(connection.settings_dict["NAME"] + "-wal")
        return data + (wal.read_bytes() if wal.exists() else b"")
    # PostgreSQL: every row of every table of the app's schema, as text.
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT t::text FROM "{table}" t')  # noqa: S608 — our own table names
            chunks.extend(row[0] for row in cursor.fetchall())
    return "\n".join(chunks).encode()


def test_no_plaintext_phone_or_id_number_anywhere_in_the_database(
    transactional_db, operator, community, household
):
    resident = make_resident(
        operator,
        community,
        "王秀兰",
        household=household,
        phones=[MOBILE, "0359-4028877"],
        id_number=ID,
    )
    services.add_emergency_contact(
        acting_user=operator, resident=resident, name="王小明", relation="儿子", number=CONTACT
    )
    services.reveal_phone(acting_user=operator, phone=resident.phones.first(), reason="回访")
    services.reveal_id_number(acting_user=operator, resident=resident, reason="办理补贴")

    content = _database_text()
    assert "王秀兰".encode() in content  # the check does read the data
    for secret in (MOBILE, LANDLINE, "4028877", ID, CONTACT):
        assert secret.encode() not in content, secret
        assert secret.encode("utf-16-le") not in content, secret
