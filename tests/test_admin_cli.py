"""`holoshop admin` on SQLite and PostgreSQL: accounts created (staff or not) with a prompted or piped
password that really opens them, clear errors for taken or invalid input, staff rights granted and
withdrawn. The database is the one HOLOSHOP_DATABASE_URL names, migrated on first use."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from commerce_api import accounts
from commerce_api.db import make_engine, session_factory
from commerce_api.models import Account
from holoshop.cli import app
from holoshop.commerce_app import account_policy
from holoshop.config import Settings

PASSWORD = "correct horse battery"
runner = CliRunner()


@pytest.fixture
def shop(empty_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    """The CLI's database (fresh, not yet migrated: the CLI does that), and sessions on it."""
    monkeypatch.setenv("HOLOSHOP_DATABASE_URL", empty_database)
    engine = make_engine(empty_database)
    yield session_factory(engine)
    engine.dispose()


def _email() -> str:
    return f"Staff-{uuid.uuid4().hex[:10]}@Example.com"


def invoke(*args: str, input: str | None = None) -> Result:
    return runner.invoke(app, ["admin", *args], input=input)


def _account(shop: sessionmaker[Session], email: str) -> Account | None:
    with shop() as session:
        return session.scalar(select(Account).where(Account.email == email.lower()))


def _opens(shop: sessionmaker[Session], email: str, password: str) -> bool:
    with shop() as session:
        try:
            accounts.authenticate(session, account_policy(Settings()), email, password)
        except accounts.InvalidCredentials:
            return False
        return True


def test_create_staff_user_with_prompted_password(shop: sessionmaker[Session]) -> None:
    email = _email()
    result = invoke("create-user", "--staff", email, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    account = _account(shop, email)
    assert account is not None and account.is_staff
    assert result.stdout.strip() == f"created staff account {email.lower()} (id {account.id})"
    assert "Password:" in result.stderr and PASSWORD not in result.output  # hidden input is not echoed
    assert _opens(shop, email, PASSWORD) and not _opens(shop, email, PASSWORD + "x")


def test_mismatched_confirmation_asks_again(shop: sessionmaker[Session]) -> None:
    email = _email()
    other = "another password entirely"
    result = invoke("create-user", email, input=f"{PASSWORD}\n{other}\n{other}\n{other}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert _opens(shop, email, other) and not _opens(shop, email, PASSWORD)


def test_plain_user_from_stdin_then_promote_and_demote(shop: sessionmaker[Session]) -> None:
    email = _email()
    result = invoke("create-user", "--password-stdin", email, input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output and result.stdout.startswith("created account ")
    account = _account(shop, email)
    assert account is not None and not account.is_staff
    assert _opens(shop, email, PASSWORD)

    promoted = invoke("promote", email.upper())
    assert promoted.exit_code == 0 and promoted.stdout.strip() == f"{email.lower()} is now staff"
    assert (a := _account(shop, email)) is not None and a.is_staff
    demoted = invoke("demote", email)
    assert demoted.exit_code == 0 and demoted.stdout.strip() == f"{email.lower()} is no longer staff"
    assert (a := _account(shop, email)) is not None and not a.is_staff


def test_existing_email_is_a_clear_error(shop: sessionmaker[Session]) -> None:
    email = _email()
    assert invoke("create-user", "--password-stdin", email, input=f"{PASSWORD}\n").exit_code == 0
    again = invoke("create-user", "--staff", email.upper(), input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.exit_code == 1
    assert again.stderr.strip() == f"error: an account with the email {email.lower()} already exists"
    assert "Password" not in again.output  # refused before asking for a password
    assert (a := _account(shop, email)) is not None and not a.is_staff  # --staff did not slip through


def test_invalid_input_is_refused(shop: sessionmaker[Session]) -> None:
    short = invoke("create-user", "--password-stdin", _email(), input="short\n")
    assert short.exit_code == 2 and "password needs 10 to 1024 characters" in short.stderr
    bad_email = invoke("create-user", "--password-stdin", "not-an-email", input=f"{PASSWORD}\n")
    assert bad_email.exit_code == 2 and "not an email address" in bad_email.stderr
    missing = invoke("promote", "nobody@example.com")
    assert missing.exit_code == 1 and "no account with the email nobody@example.com" in missing.stderr
    with shop() as session:
        assert session.scalar(select(Account.id)) is None  # nothing was created


def test_help_lists_the_admin_commands() -> None:
    top = runner.invoke(app, ["--help"])
    assert top.exit_code == 0 and "admin" in top.stdout
    result = invoke("--help")
    assert result.exit_code == 0, result.output
    for command in ("create-user", "promote", "demote"):
        assert command in result.stdout, command
    create = invoke("create-user", "--help")
    assert "--staff" in create.stdout and "--password-stdin" in create.stdout
