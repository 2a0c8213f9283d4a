"""Console policy by role (findings 3 and 7): who may close floods, read transcripts, act on an escalation."""

from __future__ import annotations

from typing import Any

import pytest

from bot.db import Escalation, session_scope
from tests.integration.test_console_http import signed_in
from tests.support.console import open_escalation

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


ACTIONS = {
    "notes": {"text": "checking in"},
    "resolve": {"outcome": "reached_person", "note": "spoke"},
    "takeover": {},
    "messages": {"text": "hello"},
    "handback": {},
    "assign": {"assignee": "cal"},
    "acknowledge": {},
}


def audited_refusals(actor: str) -> list[str]:
    from bot.db import AuditEntry

    with session_scope() as session:
        return [row.action for row in session.query(AuditEntry).filter(AuditEntry.actor == actor)
                if row.action.endswith("_refused")]


@pytest.mark.asyncio
async def test_once_assigned_only_the_assignee_and_supervisors_read_and_act(console: str, steady_env: Any) -> None:
    escalation_id = open_escalation("person-1", severity="high")
    sam, cal, sue = [await signed_in(console, name) for name in ("sam", "cal", "sue")]
    try:
        assert (await cal.get(f"/escalations/{escalation_id}")).status == 200, "unassigned: every counselor"
        assert (await sam.post(f"/escalations/{escalation_id}/acknowledge")).status == 303
        assert (await cal.get(f"/escalations/{escalation_id}")).status == 403
        assert (await cal.get(f"/escalations/{escalation_id}/live", json=True)).status == 403
        for action, form in ACTIONS.items():
            reply = await cal.post(f"/escalations/{escalation_id}/{action}", form)
            assert reply.status == 403, f"cal could {action} sam's escalation"
        assert (await sam.get(f"/escalations/{escalation_id}")).status == 200
        assert (await sam.post(f"/escalations/{escalation_id}/notes", {"text": "called back"})).status == 303
        assert (await sue.get(f"/escalations/{escalation_id}")).status == 200
        assert (await sue.post(f"/escalations/{escalation_id}/assign", {"assignee": "cal"})).status == 303
        assert (await cal.get(f"/escalations/{escalation_id}")).status == 200, "reassigned by a supervisor"
        assert (await sam.get(f"/escalations/{escalation_id}")).status == 403
    finally:
        for client in (sam, cal, sue):
            await client.close()
    assert len(audited_refusals("cal")) == len(ACTIONS) + 2


@pytest.mark.asyncio
async def test_a_counselor_takes_an_unassigned_escalation_but_does_not_hand_it_to_others(
    console: str, steady_env: Any
) -> None:
    escalation_id = open_escalation("person-2", severity="moderate")
    sam = await signed_in(console, "sam")
    try:
        assert (await sam.post(f"/escalations/{escalation_id}/assign", {"assignee": "cal"})).status == 403
        assert (await sam.post(f"/escalations/{escalation_id}/assign", {"assignee": "sam"})).status == 303
    finally:
        await sam.close()


@pytest.mark.asyncio
async def test_resolved_transcripts_are_for_supervisors_only(console: str, steady_env: Any) -> None:
    escalation_id = open_escalation("person-3", severity="moderate")
    sam, sue = await signed_in(console, "sam"), await signed_in(console, "sue")
    try:
        resolved = await sam.post(f"/escalations/{escalation_id}/resolve", {"outcome": "reached_person", "note": ""})
        assert resolved.status == 303
        assert resolved.headers["Location"] == "/?done=resolved"  # back to the queue, not to a refusal
        assert (await sam.get(f"/escalations/{escalation_id}")).status == 403
        assert (await sam.get(f"/escalations/{escalation_id}/live", json=True)).status == 403
        assert (await sue.get(f"/escalations/{escalation_id}")).status == 200
    finally:
        await sam.close()
        await sue.close()


@pytest.mark.asyncio
async def test_ids_beyond_the_databases_integer_range_are_not_found_not_a_server_error(
    console: str, steady_env: Any
) -> None:
    sue = await signed_in(console, "sue")
    try:
        for path in ("/escalations/99999999999999999999", "/escalations/99999999999999999999/live",
                     "/audit?escalation=99999999999999999999"):
            assert (await sue.get(path)).status in (400, 404), path
    finally:
        await sue.close()
