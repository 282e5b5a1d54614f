"""Django's ``flush``, able to empty the append-only audit log too.

``flush`` wipes every table; the audit log's trigger would refuse that on SQLite
(where flush is a DELETE). The test runner flushes after every transactional test,
so the wipe lifts the trigger for its own transaction only (accounts.retention).
"""

from django.core.management.commands import flush
from django.db import connections

from accounts.retention import UNLOCK_TABLE, audit_log_unlocked


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if UNLOCK_TABLE not in connection.introspection.table_names():
            # A database built without migrations has no trigger to lift.
            return super().handle(**options)
        with audit_log_unlocked(options["database"]):
            return super().handle(**options)
