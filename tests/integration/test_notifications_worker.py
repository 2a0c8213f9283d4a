"""`python -m bot.escalation.worker` as a real process, and a pass that survives failures."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.db import session_scope
from bot.escalation import record_risk
from bot.escalation.contacts import parse_oncall
from bot.escalation.worker import run_pass
from tests.support.steady_env import SteadyPaths, isolate_steady, write_oncall
from tests.support.webhook_receiver import WebhookReceiver

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
PROCESS_LIMIT = 60  # seconds; a hang fails the test instead of blocking the run


def record(conversation: str = "conv-1") -> int:
    with session_scope() as session:
        escalation, _ = record_risk(
            session,
            pseudonym="p-1",
            conversation_id=conversation,
            channel="web",
            category="active_ideation",
            severity="high",
            spans=[],
        )
        return escalation.id


def oncall_with(hook: WebhookReceiver) -> dict:
    return {
        "poll_interval_seconds": 0.2,
        "primary": [{"name": "Pager", "webhook_url": hook.url("/pager")}],
    }


async def start_worker(*args: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.escalation.worker",
        *args,
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def finish(process: asyncio.subprocess.Process) -> tuple[int, str]:
    _out, err = await asyncio.wait_for(process.communicate(), PROCESS_LIMIT)
    assert process.returncode is not None
    return process.returncode, err.decode()


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SteadyPaths:
    return isolate_steady(monkeypatch, tmp_path)


@pytest.mark.asyncio
async def test_once_sends_what_is_due_and_exits(paths: SteadyPaths) -> None:
    async with WebhookReceiver() as hook:
        write_oncall(paths.oncall_file, oncall_with(hook))
        escalation_id = record()
        status, log = await finish(await start_worker("--once"))
        assert status == 0, log
        [post] = hook.requests
    assert post.json()["escalation_id"] == escalation_id
    assert "1 sent" in log


@pytest.mark.asyncio
async def test_the_loop_delivers_and_stops_cleanly_on_sigterm(paths: SteadyPaths) -> None:
    async with WebhookReceiver() as hook:
        write_oncall(paths.oncall_file, oncall_with(hook))
        worker = await start_worker()
        try:
            escalation_id = record()
            for _ in range(PROCESS_LIMIT * 10):
                if hook.requests:
                    break
                await asyncio.sleep(0.1)
            worker.send_signal(signal.SIGTERM)
            status, log = await finish(worker)
        finally:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    assert [r.json()["escalation_id"] for r in hook.requests] == [escalation_id]
    assert status == 0, log
    assert "received SIGTERM" in log and "escalation worker stopped" in log
    assert "Traceback" not in log


@pytest.mark.asyncio
async def test_an_invalid_oncall_file_is_refused_at_start_without_a_traceback(
    paths: SteadyPaths,
) -> None:
    write_oncall(paths.oncall_file, {"primary": [{"name": "Ana", "telegram_chat_id": "me"}]})
    status, log = await finish(await start_worker("--once"))
    assert status == 2
    assert "invalid on-call file" in log and "primary[0].telegram_chat_id" in log
    assert "Traceback" not in log


@pytest.mark.asyncio
async def test_a_missing_oncall_file_warns_once_and_exits_fine(paths: SteadyPaths) -> None:
    record()
    status, log = await finish(await start_worker("--once"))
    assert status == 0, log
    assert log.count("notifications are DISABLED") == 1
    assert "still recorded" in log


@pytest.mark.asyncio
async def test_a_pass_logs_failing_steps_and_keeps_going(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    isolate_steady(monkeypatch, tmp_path)
    monkeypatch.setenv("STEADY_DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/steady.db")
    oncall = parse_oncall(
        {
            "primary": [{"name": "Pager", "webhook_url": "http://127.0.0.1:9/hook"}],
            "backup": [{"name": "Lead", "webhook_url": "http://127.0.0.1:9/lead"}],
        }
    )
    with caplog.at_level(logging.ERROR, logger="bot.escalation.worker"):
        result = await run_pass(oncall)
    assert result.errors == 3 and result.sent == 0
    assert "delivering notifications failed" in caplog.text


@pytest.mark.asyncio
async def test_check_validates_the_file_without_sending(paths: SteadyPaths, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STEADY_TEST_HOOK_SECRET", raising=False)
    async with WebhookReceiver() as hook:
        write_oncall(
            paths.oncall_file,
            {
                **oncall_with(hook),
                "webhook": {"secret_env": "STEADY_TEST_HOOK_SECRET"},
            },
        )
        record()
        process = await start_worker("--check")
        out, err = await asyncio.wait_for(process.communicate(), PROCESS_LIMIT)
        assert hook.requests == []
    assert process.returncode == 0, err
    assert "is valid: 1 primary and 0 backup" in out.decode()
    assert "STEADY_TEST_HOOK_SECRET" in err.decode()

    write_oncall(paths.oncall_file, {"primary": "nobody"})
    status, log = await finish(await start_worker("--check"))
    assert status == 2 and "primary: must be a list of contacts" in log
