"""Console accounts and signing in: scrypt hashes, the accounts command, lockout windows, sessions."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from bot.console import accounts, auth
from bot.console.passwords import N, hash_password, verify_password
from bot.db import ConsoleSession, LoginAttempt, session_scope
from tests.support.console import PASSWORD
from tests.support.steady_env import SteadyPaths


def test_a_hash_uses_scrypt_with_its_own_salt_and_verifies_only_the_right_password() -> None:
    first, second = hash_password(PASSWORD), hash_password(PASSWORD)
    assert first != second, "a fresh salt each time"
    assert first.startswith(f"scrypt${N}$8$1$") and N >= 2**14
    assert verify_password(PASSWORD, first) and verify_password(PASSWORD, second)
    assert not verify_password(PASSWORD + "x", first)
    assert not verify_password(PASSWORD, "md5$abc") and not verify_password(PASSWORD, "scrypt$x$y$z$00$00")


def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, *argv: str, stdin: str = "") -> tuple:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = accounts.main(list(argv))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_the_accounts_command_creates_lists_disables_and_resets(
    steady_env: SteadyPaths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    status, out, _ = run_cli(
        monkeypatch,
        capsys,
        "create",
        "sam",
        "--role",
        "counselor",
        "--name",
        "Sam",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert status == 0 and "Created counselor account 'sam'" in out
    status, out, _ = run_cli(monkeypatch, capsys, "list")
    assert out.split("\t")[:4] == ["sam", "counselor", "active", "Sam"]
    assert isinstance(auth.sign_in("sam", PASSWORD, "127.0.0.1"), tuple)
    assert run_cli(monkeypatch, capsys, "disable", "sam")[0] == 0
    assert auth.sign_in("sam", PASSWORD, "127.0.0.1") == auth.BAD_CREDENTIALS
    assert run_cli(monkeypatch, capsys, "enable", "sam")[0] == 0
    new = "another long passphrase"
    assert run_cli(monkeypatch, capsys, "reset-password", "sam", "--password-stdin", stdin=new + "\n")[0] == 0
    assert auth.sign_in("sam", PASSWORD, "127.0.0.2") == auth.BAD_CREDENTIALS
    assert isinstance(auth.sign_in("sam", new, "127.0.0.2"), tuple)


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("create", "Sam Smith", "--role", "counselor", "--password-stdin"), PASSWORD, "A username is"),
        (("create", "sam", "--role", "counselor", "--password-stdin"), "short", "at least 12 characters"),
        (("create", "sam", "--role", "counselor", "--name", "<b>", "--password-stdin"), PASSWORD, "display name"),
        (("disable", "nobody"), "", "There is no account called 'nobody'"),
    ],
)
def test_the_accounts_command_explains_what_is_wrong(
    steady_env: SteadyPaths,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    argv: tuple,
    stdin: str,
    message: str,
) -> None:
    status, _, err = run_cli(monkeypatch, capsys, *argv, stdin=stdin + "\n")
    assert status == 1 and message in err


def test_a_username_is_taken_once(steady_env: SteadyPaths) -> None:
    accounts.create_account("sam", "counselor", PASSWORD)
    with pytest.raises(accounts.AccountError, match="already exists"):
        accounts.create_account("sam", "supervisor", PASSWORD)


def test_the_lockout_window_passes_and_a_success_clears_the_account_count(steady_env: SteadyPaths) -> None:
    accounts.create_account("sam", "counselor", PASSWORD)
    for _ in range(4):
        assert auth.sign_in("sam", "wrong password!!", "10.0.0.1") == auth.BAD_CREDENTIALS
    assert isinstance(auth.sign_in("sam", PASSWORD, "10.0.0.1"), tuple), "4 failures: not yet locked"
    for _ in range(5):
        auth.sign_in("sam", "wrong password!!", "10.0.0.2")
    locked = auth.sign_in("sam", PASSWORD, "10.0.0.3")
    assert isinstance(locked, str) and "Too many failed sign-ins" in locked
    with session_scope() as session:
        for attempt in session.query(LoginAttempt).all():
            attempt.created_at -= auth.LOCKOUT_WINDOW + timedelta(seconds=1)
    assert isinstance(auth.sign_in("sam", PASSWORD, "10.0.0.3"), tuple), "the window has passed"


def test_a_session_ends_after_an_idle_hour_and_on_sign_out(steady_env: SteadyPaths) -> None:
    accounts.create_account("sue", "supervisor", PASSWORD)
    token, counselor = auth.sign_in("sue", PASSWORD, "127.0.0.1")
    found = auth.current_counselor(token)
    assert found is not None and found.is_supervisor and found.csrf_token == counselor.csrf_token
    assert auth.current_counselor(token + "x") is None and auth.current_counselor(None) is None
    with session_scope() as session:
        stored = session.query(ConsoleSession).one()
        assert stored.token_hash != token, "only a hash of the cookie is stored"
        stored.last_seen_at -= auth.IDLE_TIMEOUT + timedelta(seconds=1)
    assert auth.current_counselor(token) is None
    token, _ = auth.sign_in("sue", PASSWORD, "127.0.0.1")
    auth.sign_out(token)
    assert auth.current_counselor(token) is None


def test_tokens_match_only_when_equal_and_present() -> None:
    assert auth.tokens_match("abc", "abc")
    assert not auth.tokens_match("abc", "abd")
    assert not auth.tokens_match("abc", "") and not auth.tokens_match("abc", None)
