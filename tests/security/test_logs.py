"""Finding 8: no person's words in logs (Rasa's structured events and tracebacks), no access log of
addresses, owner-only log files, rotation and deletion under the retention policy."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import structlog

from bot import logs
from bot.config import REPO_ROOT
from bot.run import free_port

WORDS = "i want to end it tonight"


def test_rasas_failure_events_and_their_tracebacks_carry_no_text(monkeypatch: Any) -> None:
    from rasa.utils.log_utils import configure_structlog

    stream = io.StringIO()
    monkeypatch.setattr(sys, "stdout", stream)
    monkeypatch.delenv("FORCE_JSON_LOGGING", raising=False)
    root = logging.getLogger()
    old_handlers = root.handlers[:]
    root.handlers = []
    try:
        configure_structlog(logging.INFO)  # as `rasa run` does, logging to a file (not a terminal)
        logger = structlog.get_logger()
        logs.redact_rasa_logs()

        def handle(message_text: str) -> None:
            raise ValueError("[E123] spaCy could not read it")

        try:
            handle(WORDS)
        except ValueError:
            logger.exception("rest.message.received.failure", text=WORDS)
        for handler in logging.getLogger().handlers:
            handler.flush()
    finally:
        root.handlers = old_handlers
        structlog.reset_defaults()
    written = stream.getvalue()
    assert "rest.message.received.failure" in written and "ValueError" in written
    assert WORDS not in written


def test_the_chat_page_keeps_no_access_log_of_addresses(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "STEADY_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.web.server", "--port", str(port), "--rasa-url", f"http://127.0.0.1:{free_port()}"],
        env=env, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        body = json.dumps({"sender": "s" * 32, "text": "hello"}).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/messages", data=body,
                                         headers={"Content-Type": "application/json"})
        with contextlib.suppress(OSError):  # Rasa is down here: 503 is expected
            urllib.request.urlopen(request, timeout=10).close()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert '"POST /api/messages' not in output, "an access log line (address, time, path)"
    assert "hello" not in output


def test_log_files_are_owner_only_rotated_and_old_ones_deleted(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("STEADY_RETENTION_DAYS", "7")
    old_umask = os.umask(0o022)
    try:
        current = tmp_path / "rasa-server.log"
        current.write_bytes(b"x" * (logs.MAX_LOG_BYTES + 1))
        stale = tmp_path / "rasa-server.log.3"
        stale.write_text("old")
        os.utime(stale, (time.time() - 8 * 86400, time.time() - 8 * 86400))
    finally:
        os.umask(old_umask)
    logs.tidy(tmp_path)
    assert not stale.exists(), "older than the retention period"
    rotated = tmp_path / "rasa-server.log.1"
    assert rotated.exists() and not current.exists()
    assert stat.S_IMODE(rotated.stat().st_mode) == 0o600
