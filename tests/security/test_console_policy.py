"""Console policy by role (findings 3 and 7): who may close floods, read transcripts, act on an escalation."""

from __future__ import annotations

from typing import Any

import pytest

from bot.db import Escalation, session_scope
from tests.integration.test_console_http import signed_in
from tests.unit.test_console_helpers import open_escalation

pytestmark = pytest.mark.integration


def statuses(ids: list[int]) -> list[str]:
    with session_scope() as session:
        return [session.get(Escalation, escalation_id).status for escalation_id in ids]


@pytest.mark.asyncio
async def test_a_supervisor_closes_a_flood_at_once_and_a_counselor_may_not(console: str, steady_env: Any) -> None:
    flood = [open_escalation(f"flood-{n}", severity="moderate") for n in range(30)]
    real = open_escalation("real-person", severity="imminent")
    counselor = await signed_in(console, "sam")
    supervisor = await signed_in(console, "sue")
    try:
        refused = await counselor.post("/queue/close", {"ids": f"{flood[0]}-{flood[-1]}", "note": "script"})
        assert refused.status == 403 and set(statuses(flood)) == {"open"}
        no_note = await supervisor.post("/queue/close", {"ids": f"{flood[0]}-{flood[-1]}", "note": ""})
        assert no_note.status == 400
        done = await supervisor.post("/queue/close", {"ids": f"{flood[0]}-{flood[-1]}", "note": "one script, 30 ids"},
                                     headers={"Accept": "application/json"})
        assert done.status == 200 and len(done.json()["closed"]) == 30
    finally:
        await counselor.close()
        await supervisor.close()
    assert set(statuses(flood)) == {"resolved"} and statuses([real]) == ["open"]
