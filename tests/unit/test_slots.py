"""The slots the code reads and writes are the slots domain.yml declares, with the values it allows."""

from __future__ import annotations

import re

import pytest

from actions.exercise import ENDED_BY
from bot import screening
from bot.config import REPO_ROOT
from bot.exercises.state import ANSWER_SLOT, RUN_SLOTS, SLOT_OF, STATUS_SLOT, RunState
from bot.risk.model import SEVERITIES
from tests.support.trackers import DOMAIN

SLOTS = DOMAIN["slots"]
RASA_SLOTS = {"session_started_metadata", "requested_slot"}  # Rasa adds these to every domain
# A slot named in an action: tracker.get_slot("x"), SlotSet("x", ...)
SPELLED = re.compile(r"""(?:get_slot|SlotSet)\(\s*["']([A-Za-z0-9_]+)["']""")


@pytest.mark.parametrize(
    ("field", "kind"),
    [("exercise_id", "text"), ("run_id", "text"), ("step_index", "float"), ("answers", "any"), ("unusable", "float")],
)
def test_every_field_of_a_run_has_its_slot_of_the_right_type(field: str, kind: str) -> None:
    assert SLOTS[SLOT_OF[field]]["type"] == kind


def test_a_run_round_trips_through_its_slots_and_nothing_else() -> None:
    state = RunState("breathing", "run-1", step_index=2, answers={"rounds": 3}, unusable=1)
    slots = state.as_slots()
    assert set(slots) == set(SLOT_OF.values()) and set(slots) < set(RUN_SLOTS)
    assert RunState.from_slots(slots) == state


def test_the_status_slot_allows_every_status_the_actions_set() -> None:
    allowed = set(SLOTS[STATUS_SLOT]["values"])
    assert {*ENDED_BY.values(), "running", "not_started"} <= allowed
    assert SLOTS[ANSWER_SLOT]["mappings"][0]["conditions"][0]["requested_slot"] == ANSWER_SLOT


def test_the_severity_slot_has_the_one_severity_scale() -> None:
    assert SLOTS["risk_severity"]["values"] == list(SEVERITIES)


def test_the_screener_form_asks_one_slot_per_question_in_order() -> None:
    slots = [screening.slot_name(question) for question in screening.QUESTIONS]
    assert DOMAIN["forms"]["cssrs_form"]["required_slots"] == slots
    assert all(slot in SLOTS for slot in slots)


def test_every_slot_an_action_names_is_declared() -> None:
    named = {
        (path.name, slot)
        for path in sorted((REPO_ROOT / "actions").glob("*.py"))
        for slot in SPELLED.findall(path.read_text())
    }
    assert named, "the pattern no longer finds slot names"
    assert [(where, slot) for where, slot in sorted(named) if slot not in {*SLOTS, *RASA_SLOTS}] == []
