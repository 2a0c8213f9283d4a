"""What each kind of step does: read an answer, offer buttons, lead with a pacer or a guided sequence.

The engine dispatches through KINDS instead of branching on the kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import payloads
from bot.exercises.answers import is_yes, match_options, match_own_item, read_number, split_items
from bot.exercises.scripts import RATING_AFTER, RATING_BEFORE, Exercise, Step
from bot.exercises.state import PRIVATE, Message, RunState
from bot.exercises.wording import fill, load_common, normalise, pick, shorten
from bot.risk.disclosure import affirms

Buttons = list[dict[str, str]]


def _number_buttons(state: RunState, step: Step) -> Buttons:
    stride = max(1, (step.max - step.min) // 10)
    return [{"title": str(n), "payload": str(n)} for n in range(step.min, step.max + 1, stride)]


def offered_options(state: RunState, step: Step) -> list[dict[str, str]]:
    """A choice's options as offered now: a long list starts with the few most likely ones."""
    if step.kind != "choice":
        return []
    if not step.offer_first or state.answers.get(f"{PRIVATE}all:{step.id}"):
        return list(step.options)
    hint_text = normalise(str(state.answers.get(step.hints_from) or ""))
    padded = f" {hint_text} "

    def fit(option: dict[str, str]) -> int:
        return sum(f" {normalise(hint)} " in padded for hint in option.get("hints", "").split("|") if hint)

    ranked = sorted(step.options[:-1], key=fit, reverse=True)  # the last option is "none of these"
    return [*ranked[: step.offer_first], step.options[-1]]


def _option_buttons(state: RunState, step: Step) -> Buttons:
    options = offered_options(state, step)
    buttons = [{"title": option["label"], "payload": option["value"]} for option in options]
    if len(options) < len(step.options):
        buttons.append({"title": load_common().raw["listening"]["show_all_button"], "payload": "show all"})
    return buttons


def _own_item_buttons(state: RunState, step: Step) -> Buttons:
    items = state.answers.get(step.source) or []
    return [{"title": shorten(item, 40), "payload": str(i + 1)} for i, item in enumerate(items)]


def _list_buttons(state: RunState, step: Step) -> Buttons:
    enough = len(state.answers.get(step.id) or []) >= step.min_items
    return [{"title": load_common().lines("done_button")[0], "payload": "done"}] if enough else []


def _no_buttons(state: RunState, step: Step) -> Buttons:
    return []


def _read_number(state: RunState, step: Step, text: str) -> Any:
    offered = state.answers.get(f"{PRIVATE}offered")
    if offered is not None and is_yes(text):
        return offered
    earlier_id = RATING_BEFORE if step.id == RATING_AFTER else step.compare_to
    earlier = state.answers.get(earlier_id) if earlier_id else None
    return read_number(text, step.min, step.max, earlier if isinstance(earlier, int | float) else None)


def _read_option(state: RunState, step: Step, text: str) -> Any:
    if step.asks_about_risk and step.escalate_on and affirms(text):
        return step.escalate_on[0]  # "yes, almost every day" answers the direct question: a disclosure
    return match_options(step, text)


def _read_own_item(state: RunState, step: Step, text: str) -> Any:
    return match_own_item(state.answers.get(step.source) or [], text)


def _read_items(state: RunState, step: Step, text: str) -> Any:
    return split_items(text) or None


def _read_text(state: RunState, step: Step, text: str) -> Any:
    return text.strip()


def _pacer_message(exercise: Exercise, state: RunState, step: Step) -> Message | None:
    pattern_id = state.answers.get(step.pattern_from) or next(iter(exercise.patterns))
    pattern = exercise.patterns.get(pattern_id) or next(iter(exercise.patterns.values()))
    rounds = int(state.answers.get(step.rounds_from) or 3)
    phases = [dict(phase) for phase in pattern["phases"]]
    cycle = ", ".join(f"{phase['say'].lower()} for {phase['seconds']}" for phase in phases)
    fallback = f"{pattern['label']}, {rounds} rounds: {cycle}. Then start again."
    pacer = payloads.breathing_pacer(pattern_id, pattern["label"], rounds, phases, fallback)
    return {"text": fallback, "custom": pacer}


def _guide_message(exercise: Exercise, state: RunState, step: Step) -> Message | None:
    """A guided sequence (body scan, muscle relaxation): channels pace it line by line; its fallback
    text (for channels that cannot) reads as one calm list, without a timer on every line."""
    lines = [{"say": str(line["say"]), "seconds": int(line["seconds"])} for line in step.lines]
    total = sum(line["seconds"] for line in lines)
    intro = fill(pick(load_common().lines("guide_intro"), step.id), minutes=max(1, round(total / 60)))
    fallback = intro + "\n\n" + "\n\n".join(line["say"] for line in lines)
    return {"custom": payloads.guided_sequence(step.id, exercise.title, lines, fallback)}


@dataclass(frozen=True)
class Kind:
    """What one kind of step does: read an answer (None when unusable), offer buttons, and how it is
    retried (`retry` names the common.yml invalid.* lines)."""

    read: Callable[[RunState, Step, str], Any]
    buttons: Callable[[RunState, Step], Buttons] = _no_buttons
    retry: str = ""
    lead: Callable[[Exercise, RunState, Step], Message | None] | None = None  # said before the prompt
    numeric: bool = False  # the answer is logged as a number
    labelled: bool = False  # the answer is shown back by its option label


KINDS: dict[str, Kind] = {
    "text": Kind(_read_text, retry="text"),
    "pacer": Kind(_read_text, retry="pacer", lead=_pacer_message),
    "guide": Kind(_read_text, retry="guide", lead=_guide_message),
    "rating": Kind(_read_number, _number_buttons, retry="scale", numeric=True),
    "scale": Kind(_read_number, _number_buttons, retry="scale", numeric=True),
    "choice": Kind(_read_option, _option_buttons, retry="choice", labelled=True),
    "pick_from": Kind(_read_own_item, _own_item_buttons, retry="choice", labelled=True),
    "list": Kind(_read_items, _list_buttons, retry="list"),
}
