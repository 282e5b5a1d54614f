"""Make the audit log append-only in the database itself.

A trigger refuses every UPDATE and DELETE on accounts_auditlog, whatever code runs
the statement (the app, the admin, a shell, a buggy migration). The only way past it
is a row in accounts_auditlog_unlock inserted in the same transaction, which the
retention purge (``manage.py purge_audit``) and ``manage.py flush`` do and then
remove again; other connections never see that row before it is gone.
UPDATE is refused always: no procedure ever edits an entry.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE TABLE accounts_auditlog_unlock (id integer PRIMARY KEY CHECK (id = 1))",
    """CREATE TRIGGER accounts_auditlog_no_update BEFORE UPDATE ON accounts_auditlog
    BEGIN SELECT RAISE(ABORT, 'accounts_auditlog is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER accounts_auditlog_no_delete BEFORE DELETE ON accounts_auditlog
    WHEN NOT EXISTS (SELECT 1 FROM accounts_auditlog_unlock)
    BEGIN SELECT RAISE(ABORT, 'accounts_auditlog is append-only: DELETE refused'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditlog_no_delete",
    "DROP TRIGGER IF EXISTS accounts_auditlog_no_update",
    "DROP TABLE IF EXISTS accounts_auditlog_unlock",
]

# restrict_violation (23001) so that Django raises IntegrityError on both databases.
POSTGRES_FORWARD = [
    "CREATE TABLE accounts_auditlog_unlock (id integer PRIMARY KEY CHECK (id = 1))",
    """CREATE FUNCTION accounts_auditlog_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM accounts_auditlog_unlock) THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'accounts_auditlog is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    $$""",
    """CREATE TRIGGER accounts_auditlog_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditlog
    FOR EACH ROW EXECUTE FUNCTION accounts_auditlog_refuse_change()""",
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS accounts_auditlog_append_only ON accounts_auditlog",
    "DROP FUNCTION IF EXISTS accounts_auditlog_refuse_change()",
    "DROP TABLE IF EXISTS accounts_auditlog_unlock",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def _statements(vendor, direction):
    table = {
        ("sqlite", "forward"): SQLITE_FORWARD,
        ("sqlite", "backward"): SQLITE_BACKWARD,
        ("postgresql", "forward"): POSTGRES_FORWARD,
        ("postgresql", "backward"): POSTGRES_BACKWARD,
    }
    try:
        return table[(vendor, direction)]
    except KeyError:
        raise NotImplementedError(f"No append-only trigger for the {vendor} database.") from None


def forward(apps, schema_editor):
    _run(schema_editor, _statements(schema_editor.connection.vendor, "forward"))


def backward(apps, schema_editor):
    _run(schema_editor, _statements(schema_editor.connection.vendor, "backward"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
