"""A covering index for the work queues (the handler inbox, the triage desk) on PostgreSQL.

The queues select open requests by status and sort them by overdue, due date, submission time
and returns; the inbox also keeps those its unit leads. Reading those columns from the status
index alone (an index-only scan) took the handler inbox's ids from 4.8 to 1.5 ms at scale 50:
the heap held 4,016 open requests on 1,384 pages for 701 rows. SQLite has no ``INCLUDE``; its
plain status index serves the same queries there.
"""

from django.db import migrations

NAME = "request_work_queue_cover"
COLUMNS = "id, lead_unit_id, is_overdue, response_due, submitted_at, return_count"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {NAME} ON requests_tracker_request (status) INCLUDE ({COLUMNS})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("requests_tracker", "0010_dispatch")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
