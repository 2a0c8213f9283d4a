"""Finding 9: failed sign-ins slow down instead of locking; a password reset clears the wait; behind a
configured proxy each person's own address counts; supervisors are told about repeated failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.console import accounts, auth
from bot.db import LoginAttempt, session_scope
from tests.integration.test_console_http import LOGIN_TOKEN, Browser, signed_in
from tests.support.console import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def fail(username: str, times: int, address: str = "10.0.0.9") -> None:
    for _ in range(times):
        auth.sign_in(username, "wrong password!!", address)


def age_attempts(by: timedelta) -> None:
    with session_scope() as session:
        for attempt in session.query(LoginAttempt).all():
            attempt.created_at -= by


def test_a_password_reset_clears_the_wait_as_the_message_promises(steady_env: Any) -> None:
    accounts.create_account("sam", "counselor", PASSWORD)
    fail("sam", 5)
    refused = auth.sign_in("sam", PASSWORD, "10.0.0.1")
    assert isinstance(refused, str) and "reset the password" in refused
    accounts.reset_password("sam", NEW_PASSWORD)
    assert isinstance(auth.sign_in("sam", NEW_PASSWORD, "10.0.0.1"), tuple)


def test_five_wrong_passwords_mean_a_short_wait_not_a_quarter_hour_lock(steady_env: Any) -> None:
    accounts.create_account("sam", "counselor", PASSWORD)
    fail("sam", 5)
    assert isinstance(auth.sign_in("sam", PASSWORD, "10.0.0.1"), str)
    age_attempts(auth.BACKOFF_BASE + timedelta(seconds=1))
    assert isinstance(auth.sign_in("sam", PASSWORD, "10.0.0.1"), tuple)


def test_attempts_refused_while_waiting_do_not_extend_the_wait_beyond_its_cap(steady_env: Any) -> None:
    accounts.create_account("sam", "counselor", PASSWORD)
    fail("sam", 40)  # an attacker hammering: only the attempts actually checked count
    age_attempts(auth.BACKOFF_MAX + timedelta(seconds=1))
    assert isinstance(auth.sign_in("sam", PASSWORD, "10.0.0.1"), tuple)


@pytest.mark.asyncio
async def test_behind_the_proxy_one_persons_failures_do_not_shut_out_everyone(
    console: str, steady_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEADY_TRUSTED_PROXIES", "127.0.0.1")  # the console is reached through nginx
    attacker = Browser(console)
    try:
        for _ in range(12):
            page = await attacker.get("/login")

            token = LOGIN_TOKEN.search(page.text).group(1)
            await attacker.post("/login", {"username": f"guess{_}", "password": "wrong password!!"}, token=token,
                                headers={"X-Forwarded-For": "198.51.100.7"})
    finally:
        await attacker.close()
    sam = Browser(console)
    try:
        page = await sam.get("/login")

        token = LOGIN_TOKEN.search(page.text).group(1)
        reply = await sam.post("/login", {"username": "sam", "password": PASSWORD}, token=token,
                               headers={"X-Forwarded-For": "203.0.113.5"})
        assert reply.status == 303, "another person behind the same proxy signs in"
    finally:
        await sam.close()


@pytest.mark.asyncio
async def test_supervisors_see_accounts_with_repeated_failed_sign_ins(console: str, steady_env: Any) -> None:
    fail("cal", 5)
    age_attempts(auth.BACKOFF_MAX)
    sue = await signed_in(console, "sue")
    sam = await signed_in(console, "sam")
    try:
        page = (await sue.get("/")).text
        assert "Repeated failed sign-ins" in page and "cal: 5 failures" in page
        assert "Repeated failed sign-ins" not in (await sam.get("/")).text
    finally:
        await sue.close()
        await sam.close()
