"""The application's PostgreSQL role: it may add to the archive and read it, never change it.

The tables belong to the role that runs the migrations; the application connects as another role
that holds only these grants. Not the owner, it cannot disable the append-only trigger, TRUNCATE,
or ALTER the tables; with no UPDATE or DELETE on the archive tables the trigger is a second wall.
"""

from __future__ import annotations

from django.apps import apps
from psycopg import sql

# Evidence: added to and read, nothing else.
ARCHIVE_TABLES = (
    "compliance_message",
    "compliance_searchaudit",
    "compliance_alertdisposition",
    "compliance_ownershipchange",
    "compliance_legalholdchange",
    "compliance_configchange",
)
# Rows the archive points at whose state legitimately moves (a chain head, a hold flag, an
# alert's status), never removed: the checkpoints and the keyed hash cover what matters in them.
NO_DELETE_TABLES = ("compliance_conversation", "compliance_alert")


def grant_statements(role: str, *, create: bool) -> list[sql.Composable]:
    """The statements, in order, for `role` over every table of the project's models."""
    ident = sql.Identifier(role)
    statements: list[sql.Composable] = []
    if create:
        statements.append(
            sql.SQL(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) "
                "THEN CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS; "
                "END IF; END $$"
            ).format(name=sql.Literal(role), role=ident)
        )
    statements.append(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
    tables = sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})
    for table in tables:
        name = sql.Identifier(table)
        statements.append(sql.SQL("REVOKE ALL ON TABLE {} FROM {}").format(name, ident))
        if table in ARCHIVE_TABLES:
            rights = "SELECT, INSERT"
        elif table in NO_DELETE_TABLES:
            rights = "SELECT, INSERT, UPDATE"
        else:
            rights = "SELECT, INSERT, UPDATE, DELETE"
        statements.append(sql.SQL("GRANT " + rights + " ON TABLE {} TO {}").format(name, ident))
    statements.append(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident))
    return statements
