"""A run's state between turns (kept in Rasa slots by the actions) and what one answer produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PRIVATE = "_"  # answers keys starting with this are the engine's notes, never shown or saved
EARLIER = "_earlier"  # what the person said before the run started, offered at a step with earlier_prompt

Message = dict[str, Any]


@dataclass
class RunState:
    """Everything the engine needs between turns; stored in Rasa slots by the actions."""

    exercise_id: str
    run_id: str
    step_index: int = 0
    answers: dict[str, Any] = field(default_factory=dict)
    unusable: int = 0

    def as_slots(self) -> dict[str, Any]:
        return {
            "exercise": self.exercise_id,
            "exercise_run": self.run_id,
            "exercise_step": float(self.step_index),
            "exercise_answers": self.answers,
            "exercise_retries": float(self.unusable),
        }

    @classmethod
    def from_slots(cls, slots: dict[str, Any]) -> RunState | None:
        if not slots.get("exercise") or not slots.get("exercise_run"):
            return None
        return cls(
            exercise_id=slots["exercise"],
            run_id=slots["exercise_run"],
            step_index=int(slots.get("exercise_step") or 0),
            answers=dict(slots.get("exercise_answers") or {}),
            unusable=int(slots.get("exercise_retries") or 0),
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
