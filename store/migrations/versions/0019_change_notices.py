"""PostgreSQL: every write to app_state or members sends a notice on csp_changes when it commits

The workers keep the values they check on every request (the glossary and reference-data versions, who is
a member) while nothing changes, and read them again on a notice (``store.changes``). A trigger, not the
application, sends it, so every writer is covered: a service, the command line, raw SQL, an older release.
SQLite has no notices: its reads are in-process and stay per request.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 17:00:00
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

#: the tables whose writes notify (``store.changes.NOTIFYING_TABLES``); ``store.changes.CHANNEL``
TABLES = ("app_state", "members")
CHANNEL = "csp_changes"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Created in the schema being migrated (env.py sets the search path for a partnership's schema). One
    # notice per statement, sent only if the transaction commits; the payload names the table, for a reader
    # of the server's activity (the listener treats every notice alike).
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION csp_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
            RETURN NULL;
        END
        $$
        """
    )
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION csp_notify_change()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify ON {table}")
    op.execute("DROP FUNCTION IF EXISTS csp_notify_change()")
