"""A run's state between turns (kept in Rasa slots by the actions) and what one answer produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRIVATE = "_"  # answers keys starting with this are the engine's notes, never shown or saved
EARLIER = "_earlier"  # what the person said before the run started, offered at a step with earlier_prompt

Message = dict[str, Any]

# The one slot mapping of a run: RunState field -> the Rasa slot (domain.yml) that keeps it between
# turns, plus the run's status and the form's answer slot. tests/unit/test_slots.py checks them
# against domain.yml.
SLOT_OF = {
    "exercise_id": "exercise",
    "run_id": "exercise_run",
    "step_index": "exercise_step",
    "answers": "exercise_answers",
    "unusable": "exercise_retries",
}
STATUS_SLOT = "exercise_status"
ANSWER_SLOT = "exercise_answer"
RUN_SLOTS = (*SLOT_OF.values(), STATUS_SLOT)  # cleared together when a run ends


@dataclass
class RunState:
    """Everything the engine needs between turns; stored in Rasa slots (SLOT_OF) by the actions."""

    exercise_id: str
    run_id: str
    step_index: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    unusable: int = 0

    def as_slots(self) -> dict[str, Any]:
        values = {**vars(self), "step_index": float(self.step_index), "unusable": float(self.unusable)}
        return {SLOT_OF[name]: value for name, value in values.items()}

    @classmethod
    def from_slots(cls, slots: dict[str, Any]) -> RunState | None:
        values = {name: slots.get(slot) for name, slot in SLOT_OF.items()}
        if not values["exercise_id"] or not values["run_id"]:
            return None
        return cls(
            exercise_id=values["exercise_id"],
            run_id=values["run_id"],
            step_index=int(values["step_index"] or 0),
            answers=dict(values["answers"] or {}),
            unusable=int(values["unusable"] or 0),
        )


@dataclass
class LogRecord:
    kind: str  # step, rating
    step: str
    value: float | None = None
    phase: str | None = None
    choice: str | None = None  # the option picked at a choice step


@dataclass
class Outcome:
    """The result of one answer: what to say, what to log, and whether the run is over."""

    messages: list[Message] = field(default_factory=list)
    logs: list[LogRecord] = field(default_factory=list)
    finished: bool = False
    ended_by: str | None = None  # stop, switch, or None


def public(answers: dict[str, Any]) -> dict[str, Any]:
    """The person's answers without the engine's own notes."""
    return {key: value for key, value in answers.items() if not key.startswith(PRIVATE)}
