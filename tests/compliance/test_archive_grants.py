"""PostgreSQL: the application's role can add to and read the archive, never change or empty it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from compliance.models import Message
from compliance.services.ingestion import messages_ingest
from tests.compliance.factories import item
from tests.conftest import need

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
ROLE = "rm_archive_app_test"


@pytest.fixture
def app_role(rm01a):
    need(connection.vendor == "postgresql", "PostgreSQL only: roles and grants")
    messages_ingest(items=[item("rm01a", "您好"), item("rm01a", "再见")], by=rm01a, gateway=True)
    call_command("archive_grants", ROLE, "--create", stdout=StringIO())
    return Message.objects.order_by("pk").first()


def _as_app(statement: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET LOCAL ROLE "{ROLE}"')
        cursor.execute(statement, params or [])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE compliance_message SET content = 'x' WHERE id = %s",
        "DELETE FROM compliance_message WHERE id = %s",
        "TRUNCATE compliance_message CASCADE",
        "ALTER TABLE compliance_message DISABLE TRIGGER compliance_message_append_only",
        "ALTER TABLE compliance_message DISABLE TRIGGER USER",
        "DROP TRIGGER compliance_message_append_only ON compliance_message",
        "DELETE FROM compliance_alert",
        "DELETE FROM compliance_conversation",
        "UPDATE compliance_searchaudit SET result_count = 0",
    ],
)
def test_the_app_role_cannot_change_the_archive(app_role, statement):
    params = [app_role.pk] if "%s" in statement else []
    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
        _as_app(statement, params)
    assert Message.objects.get(pk=app_role.pk).content == "您好"


def test_the_app_role_adds_to_and_reads_the_archive(app_role, rm01a):
    _as_app(
        "INSERT INTO compliance_searchaudit (user_id, action, filters, result_count, at) "
        "VALUES (%s, 'search', '{}', 0, now())",
        [rm01a.pk],
    )
    _as_app("SELECT count(*) FROM compliance_message")
    _as_app("UPDATE compliance_conversation SET legal_hold = true")  # a hold is not evidence


def test_the_grants_refuse_the_owner_role_and_print_their_sql(app_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    with pytest.raises(CommandError, match="owns the tables"):
        call_command("archive_grants", owner)
    out = StringIO()
    call_command("archive_grants", ROLE, "--print", stdout=out)
    assert f'GRANT SELECT, INSERT ON TABLE "compliance_message" TO "{ROLE}";' in out.getvalue()
