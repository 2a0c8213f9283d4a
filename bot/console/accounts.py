"""Console accounts, managed from the command line only.

    python -m bot.console.accounts create <username> --role counselor|supervisor [--name "Sam"] [--password-stdin]
    python -m bot.console.accounts list
    python -m bot.console.accounts disable <username>
    python -m bot.console.accounts enable <username>
    python -m bot.console.accounts reset-password <username> [--password-stdin]

Without --password-stdin the password is asked for twice at a hidden prompt. Disabling an account
or resetting its password signs it out everywhere. --name is the first name a person is told when
this counselor joins their conversation; without it they are told "a counselor".
"""

from __future__ import annotations

import argparse
import getpass
import re
import sys
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.console.passwords import hash_password, password_problem
from bot.db import ConsoleAccount, ConsoleSession, session_scope, utcnow

ROLES = ("counselor", "supervisor")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message is for the person."""


@dataclass(frozen=True)
class AccountInfo:
    username: str
    role: str
    disabled: bool
    created_at: datetime
    display_name: str | None = None


def find_account(session: Session, username: str) -> ConsoleAccount | None:
    return session.execute(select(ConsoleAccount).where(ConsoleAccount.username == username)).scalars().first()


def _existing(session: Session, username: str) -> ConsoleAccount:
    account = find_account(session, username)
    if account is None:
        raise AccountError(f"There is no account called {username!r}.")
    return account


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)


def create_account(username: str, role: str, password: str, display_name: str | None = None) -> AccountInfo:
    if not USERNAME_PATTERN.match(username):
        raise AccountError(
            "A username is 2 to 32 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    if role not in ROLES:
        raise AccountError(f"The role must be one of: {', '.join(ROLES)}.")
    _check_password(password)
    display_name = (display_name or "").strip() or None
    if display_name and (len(display_name) > 64 or not display_name.replace(" ", "").replace("-", "").isalpha()):
        raise AccountError("A display name is up to 64 letters (spaces and hyphens allowed), e.g. 'Sam'.")
    with session_scope() as session:
        if find_account(session, username) is not None:
            raise AccountError(f"An account called {username!r} already exists.")
        account = ConsoleAccount(
            username=username, role=role, display_name=display_name, password_hash=hash_password(password)
        )
        session.add(account)
        session.flush()
        return _info(account)


def list_accounts() -> list[AccountInfo]:
    with session_scope() as session:
        accounts = session.execute(select(ConsoleAccount).order_by(ConsoleAccount.username)).scalars()
        return [_info(account) for account in accounts]


def active_usernames() -> list[str]:
    """Everyone an escalation can be assigned to."""
    return [account.username for account in list_accounts() if not account.disabled]


def set_disabled(username: str, disabled: bool) -> None:
    with session_scope() as session:
        account = _existing(session, username)
        account.disabled = disabled
        if disabled:
            _sign_out_everywhere(session, account.id)


def reset_password(username: str, password: str) -> None:
    _check_password(password)
    with session_scope() as session:
        account = _existing(session, username)
        account.password_hash = hash_password(password)
        account.password_changed_at = utcnow()
        _sign_out_everywhere(session, account.id)


def _sign_out_everywhere(session: Session, account_id: int) -> None:
    session.execute(delete(ConsoleSession).where(ConsoleSession.account_id == account_id))


def _info(account: ConsoleAccount) -> AccountInfo:
    return AccountInfo(
        account.username, account.role, bool(account.disabled), account.created_at, account.display_name
    )


def display_name_of(username: str) -> str | None:
    with session_scope() as session:
        account = find_account(session, username)
        return account.display_name if account else None


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise AccountError("The two passwords were not the same.")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot.console.accounts", description="Manage console accounts.")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account")
    create.add_argument("username")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--name", help="first name told to a person when this counselor joins their conversation")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    commands.add_parser("list", help="list accounts")
    for name in ("disable", "enable"):
        commands.add_parser(name, help=f"{name} an account").add_argument("username")
    reset = commands.add_parser("reset-password", help="set a new password (signs the account out)")
    reset.add_argument("username")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "create":
            info = create_account(args.username, args.role, _read_password(args.password_stdin), args.name)
            print(f"Created {info.role} account {info.username!r}.")
        elif args.command == "list":
            for info in list_accounts():
                state = "disabled" if info.disabled else "active"
                name = info.display_name or "-"
                print(f"{info.username}\t{info.role}\t{state}\t{name}\tcreated {info.created_at:%Y-%m-%d %H:%M}")
        elif args.command in ("disable", "enable"):
            set_disabled(args.username, args.command == "disable")
            print(f"Account {args.username!r} {args.command}d.")
        else:
            reset_password(args.username, _read_password(args.password_stdin))
            print(f"Password of {args.username!r} changed; the account was signed out everywhere.")
    except AccountError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
