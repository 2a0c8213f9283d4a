"""The engine that walks an exercise script one answer at a time.

Plain Python with no Rasa imports. It keeps its state in a small dict (stored by the actions in Rasa
slots) and turns one answer into the next messages. Every run is: distress rating before -> the
script's steps -> outro + rating after. A script may turn the ratings off (`ratings: false`, for the
small-goal follow-up) and may be `hidden` from menus (run only when the assistant starts it, with
earlier answers as context). What each kind of step does (read an answer, offer buttons, lead with a
pacer) is one entry in the table KINDS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.exercises.answers import Clarify, is_yes, match_options, match_own_item, read_number, split_items
from bot.exercises.listening import Heard, listen, unanswered_question
from bot.exercises.scripts import RATING_AFTER, RATING_BEFORE, Exercise, Step, full_steps
from bot.exercises.wording import Common, fill, load_common, normalise, pick, quote, shorten, tidy

MAX_UNUSABLE_ANSWERS = 2
MAX_CLARIFYING = 3  # questions back about a number (out of range, '5 or 6') before moving on
BIG_DROP = 3  # a fall of this much on the 0-10 rating is celebrated, not just noted
MAX_EXPLAINED = 4  # a choice explains its options in the text only when there are this few
PRIVATE = "_"  # answers keys starting with this are the engine's notes, never shown or saved
EARLIER = "_earlier"  # what the person said before the run started, offered at a step with earlier_prompt
CONTROL_CONFIDENCE = 0.9
SWITCH_WORDS = frozenset({"something else", "menu", "other options", "show menu", "different exercise"})

Message = dict[str, Any]


# ---------------------------------------------------------------- state


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


# ---------------------------------------------------------------- kinds of step


Buttons = list[dict[str, str]]


def _number_buttons(state: RunState, step: Step) -> Buttons:
    stride = max(1, (step.max - step.min) // 10)
    return [{"title": str(n), "payload": str(n)} for n in range(step.min, step.max + 1, stride)]


def _option_buttons(state: RunState, step: Step) -> Buttons:
    return [{"title": option["label"], "payload": option["value"]} for option in step.options]


def _own_item_buttons(state: RunState, step: Step) -> Buttons:
    items = state.answers.get(step.source) or []
    return [{"title": shorten(item, 40), "payload": str(i + 1)} for i, item in enumerate(items)]


def _list_buttons(state: RunState, step: Step) -> Buttons:
    enough = len(state.answers.get(step.id) or []) >= step.min_items
    return [{"title": "That's all", "payload": "done"}] if enough else []


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
    payload = {
        "type": "breathing_pacer",
        "pattern": pattern_id,
        "label": pattern["label"],
        "rounds": rounds,
        "phases": phases,
        "total_seconds": rounds * sum(int(phase["seconds"]) for phase in phases),
        "fallback_text": fallback,
    }
    return {"text": fallback, "custom": payload}


def _guide_message(exercise: Exercise, state: RunState, step: Step) -> Message | None:
    """A guided sequence (body scan, muscle relaxation): channels pace it line by line; its fallback
    text (for channels that cannot) reads as one calm list, without a timer on every line."""
    lines = [{"say": str(line["say"]), "seconds": int(line["seconds"])} for line in step.lines]
    total = sum(line["seconds"] for line in lines)
    intro = fill(pick(load_common().lines("guide_intro"), step.id), minutes=max(1, round(total / 60)))
    fallback = intro + "\n\n" + "\n\n".join(line["say"] for line in lines)
    payload = {
        "type": "guided_sequence",
        "step": step.id,
        "label": exercise.title,
        "lines": lines,
        "total_seconds": total,
        "fallback_text": fallback,
    }
    return {"custom": payload}


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


# ---------------------------------------------------------------- the engine


class Engine:
    def __init__(self, exercise: Exercise, common: Common | None = None) -> None:
        self.exercise = exercise
        self.common = common or load_common()
        self.steps = full_steps(exercise, self.common)

    # -- asking

    def prompt(self, state: RunState) -> list[Message]:
        """The messages that ask the current step (none while a reply of ours waits for an answer)."""
        if state.answers.get(f"{PRIVATE}hold"):
            return []
        step = self.steps[state.step_index]
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        messages: list[Message] = []
        if step.id == RATING_AFTER and self.exercise.outro and not state.unusable:  # ratings on: outro first
            messages.append({"text": pick(self.exercise.outro, seed)})
        lead = KINDS[step.kind].lead
        if lead and (message := lead(self.exercise, state, step)):
            messages.append(message)
        text = pick(step.prompts, seed) if step.prompts else step.prompt
        earlier = state.answers.get(EARLIER)
        if step.earlier_prompt and earlier and not state.unusable:
            text = fill(step.earlier_prompt, earlier=quote(str(earlier)))
        if step.kind == "list" and state.answers.get(step.id):
            text = self._list_followup(state, step, seed)
        options = self.offered_options(state, step)
        if options and any(o.get("explain") for o in options) and "•" not in text and len(options) <= MAX_EXPLAINED:
            text += "\n" + "\n".join(f"• {o['label']}: {o['explain']}" for o in options if o.get("explain"))
        if state.unusable and step.help:
            text = f"{step.help}\n{text}"
        buttons = KINDS[step.kind].buttons(state, step)
        if step.kind == "choice":
            buttons = [{"title": o["label"], "payload": o["value"]} for o in options]
            if len(options) < len(step.options):
                buttons.append({"title": self.common.raw["listening"]["show_all_button"], "payload": "show all"})
        messages.append({"text": tidy(fill(text, **self.context(state))), "buttons": buttons})
        return messages

    def offered_options(self, state: RunState, step: Step) -> list[dict[str, str]]:
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

    @staticmethod
    def context(state: RunState) -> dict[str, str]:
        """Earlier answers (or ones the run started with) that a prompt may quote as {step_id}."""
        return {key: quote(value) for key, value in public(state.answers).items() if isinstance(value, str)}

    def intro(self, state: RunState) -> str:
        return fill(self.exercise.intro, **self.context(state))

    def _list_followup(self, state: RunState, step: Step, seed: str) -> str:
        count = len(state.answers[step.id])
        if count >= step.min_items and step.enough_prompt:
            return step.enough_prompt
        return pick(step.more_prompt, seed) if step.more_prompt else step.prompt

    # -- answering

    def answer(self, state: RunState, text: str, intent: str | None = None, confidence: float = 0.0) -> Outcome:
        """Apply one answer to the current step; state is updated in place."""
        state.answers.pop(f"{PRIVATE}hold", None)
        step = self.steps[state.step_index]
        if step.kind == "choice" and step.offer_first and normalise(text) in self.common.words("show_all_words"):
            state.answers[f"{PRIVATE}all:{step.id}"] = True
            return Outcome()
        control = self._control_word(text, intent, confidence)
        if control in ("stop", "switch"):
            return Outcome(finished=True, ended_by=control)
        if control == "skip":
            return self._skip(state, step)
        if step.kind == "list" and normalise(text) in self.common.words("done_words"):
            return self._finish_list(state, step)
        seed = f"{state.run_id}:{step.id}:{len(state.answers)}:{state.unusable}"
        kind = KINDS[step.kind]
        earlier = state.answers.pop(EARLIER, None) if step.earlier_prompt else None
        if earlier and is_yes(text):  # "yes, that one": what they said before is the answer
            return self._accept(state, step, str(earlier), str(earlier))
        heard = (
            None
            if kind.numeric or kind.labelled
            else listen(text, step, self.exercise.id, self.common, intent, confidence, seed)
        )
        if heard is not None:
            return self._heard(state, heard)
        value = kind.read(state, step, text) if text.strip() else None
        if value is None:
            heard = listen(text, step, self.exercise.id, self.common, intent, confidence, seed) or unanswered_question(
                text, self.common, seed
            )
            return self._heard(state, heard) if heard is not None else self._unusable(state, step)
        if isinstance(value, Clarify):
            return self._clarify(state, step, value)
        state.answers.pop(f"{PRIVATE}offered", None)
        return self._accept(state, step, text, value)

    @staticmethod
    def _heard(state: RunState, heard: Heard) -> Outcome:
        """Not an answer: reply, keep the step (asked again unless the reply asks its own question)."""
        if heard.hold:
            state.answers[f"{PRIVATE}hold"] = True
        return Outcome(messages=[{"text": heard.reply, "buttons": heard.buttons}] if heard.reply else [])

    def _clarify(self, state: RunState, step: Step, clarify: Clarify) -> Outcome:
        state.unusable += 1
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        if state.unusable >= MAX_CLARIFYING:
            return self._skip(state, step, reply=pick(self.common.lines("invalid", "gave_up"), seed))
        if clarify.offered is not None:
            state.answers[f"{PRIVATE}offered"] = clarify.offered
        line = fill(pick(self.common.lines("clarify", clarify.why), seed), min=step.min, max=step.max, **clarify.said)
        buttons = [{"title": str(n), "payload": str(n)} for n in clarify.choices]
        state.answers[f"{PRIVATE}hold"] = True
        return Outcome(messages=[{"text": line, "buttons": buttons or KINDS[step.kind].buttons(state, step)}])

    def _control_word(self, text: str, intent: str | None, confidence: float) -> str | None:
        """stop / switch / skip. Single words must be in the word lists: a one-word answer ("mint")
        is an answer, whatever the classifier guesses; short phrases may also be recognised by intent.
        Text starting with "/" is a button or command the channel itself sent (typed slashes are
        removed by every channel), so its intent is trusted."""
        said = normalise(text)
        trusted = text.startswith("/") or (2 <= len(said.split()) <= 6 and confidence >= CONTROL_CONFIDENCE)
        if said in self.common.words("stop_words") or (trusted and intent in ("stop", "goodbye")):
            return "stop"
        if said in SWITCH_WORDS or (trusted and intent == "show_menu"):
            return "switch"
        if said in self.common.words("skip_words") or (text.startswith("/") and intent == "skip"):
            return "skip"
        return None

    def _accept(self, state: RunState, step: Step, text: str, value: Any) -> Outcome:
        outcome = Outcome()
        kind = KINDS[step.kind]
        if step.kind == "list":
            items = [*state.answers.get(step.id, []), *value][: step.max_items]
            state.answers[step.id] = items
            state.unusable = 0
            if len(items) < step.max_items:
                return outcome  # ask for more (or "done") on the same step
            return self._advance(state, step, outcome, logged_value=float(len(items)))
        state.answers[step.id] = value
        if step.kind == "choice" and set(value if isinstance(value, list) else [value]) & set(step.escalate_on):
            return Outcome(logs=[LogRecord("step", step.id)], finished=True, ended_by="risk")
        reflection = self._reflection(state, step, text, value)
        if reflection:
            outcome.messages.append({"text": reflection})
        numeric = float(value) if kind.numeric else None
        choice = value if step.kind == "choice" and isinstance(value, str) else None
        return self._advance(state, step, outcome, logged_value=numeric, choice=choice)

    def _reflection(self, state: RunState, step: Step, text: str, value: Any) -> str:
        """What we say back, fitted to the answer: an option's own reply, how a re-rating moved,
        a smaller step for low confidence, else one of the step's reflections quoting the person."""
        seed = f"{state.run_id}:{step.id}:reflect"
        earlier = state.answers.get(step.compare_to) if step.compare_to else None
        if self._option_reply(step, value):
            line = self._option_reply(step, value)
        elif isinstance(earlier, int | float) and step.reflect_change:
            moved = "lower" if value < earlier else "higher" if value > earlier else "same"
            line = fill(pick(step.reflect_change.get(moved, step.reflect), seed), before=earlier, after=value)
        elif step.low_below is not None and isinstance(value, int | float) and value < step.low_below:
            line = pick(step.low_reply, seed)
        elif step.reflect:
            shown = self.display(step, value) if KINDS[step.kind].labelled else text
            line = pick(step.reflect, seed)
        else:
            return ""
        shown = self.display(step, value) if KINDS[step.kind].labelled else text
        return tidy(fill(line, answer=quote(shown), **self.context(state)))

    @staticmethod
    def _option_reply(step: Step, value: Any) -> str:
        """A choice option's own reply (`reply:` in the script), said instead of the step's reflect."""
        if step.kind != "choice" or not isinstance(value, str):
            return ""
        return next((option.get("reply", "") for option in step.options if option["value"] == value), "")

    def _finish_list(self, state: RunState, step: Step) -> Outcome:
        items = state.answers.get(step.id, [])
        if len(items) >= step.min_items:
            return self._advance(state, step, Outcome(), logged_value=float(len(items)))
        needed = step.min_items - len(items)
        line = pick(self.common.lines("invalid", "list_too_short"), f"{state.run_id}:{step.id}:{len(items)}")
        return Outcome(messages=[{"text": fill(line, needed=needed)}])

    def _skip(self, state: RunState, step: Step, reply: str = "") -> Outcome:
        if step.kind == "choice" and step.options and not step.multiple:
            state.answers[step.id] = step.options[0]["value"]  # a sensible default later steps can use
        reply = reply or step.skip_reply or pick(self.common.lines("skipped"), f"{state.run_id}:{step.id}:skip")
        return self._advance(state, step, Outcome(messages=[{"text": reply}]), skipped=True)

    def _unusable(self, state: RunState, step: Step) -> Outcome:
        state.unusable += 1
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        if state.unusable >= MAX_UNUSABLE_ANSWERS:
            return self._skip(state, step, reply=pick(self.common.lines("invalid", "gave_up"), seed))
        line = pick(self.common.lines("invalid", KINDS[step.kind].retry), seed) or step.help
        return Outcome(messages=[{"text": fill(line, min=step.min, max=step.max)}] if line else [])

    def _advance(
        self,
        state: RunState,
        step: Step,
        outcome: Outcome,
        logged_value: float | None = None,
        skipped: bool = False,
        choice: str | None = None,
    ) -> Outcome:
        if step.kind == "rating":
            phase = "before" if step.id == RATING_BEFORE else "after"
            outcome.logs.append(LogRecord("rating", step.id, None if skipped else logged_value, phase))
        else:
            outcome.logs.append(LogRecord("skip" if skipped else "step", step.id, logged_value, choice=choice))
        state.step_index += 1
        state.unusable = 0
        while state.step_index < len(self.steps) and self._nothing_to_pick(state):
            outcome.logs.append(LogRecord("skip", self.steps[state.step_index].id))
            state.step_index += 1
        outcome.finished = state.step_index >= len(self.steps)
        return outcome

    def _nothing_to_pick(self, state: RunState) -> bool:
        step = self.steps[state.step_index]
        return step.kind == "pick_from" and not state.answers.get(step.source)

    # -- closing

    def closing(self, state: RunState) -> str:
        if not self.exercise.ratings:  # nothing to compare: the script's own outro closes it
            return tidy(fill(pick(self.exercise.outro, f"{state.run_id}:closing"), **self.context(state)))
        before = state.answers.get(RATING_BEFORE)
        after = state.answers.get(RATING_AFTER)
        if before is None or after is None:
            change = "unknown"
        elif before - after >= BIG_DROP:
            change = "much_better"
        else:
            change = "better" if after < before else "worse" if after > before else "same"
        lines = self.common.lines("closing", change) or self.common.lines("closing", "better")
        return fill(pick(lines, f"{state.run_id}:closing"), before=before, after=after, exercise=self.exercise.call_it)

    @staticmethod
    def display(step: Step, value: Any) -> str:
        """An answer as the person saw it: option labels instead of their values."""
        labels = {option["value"]: option["label"] for option in step.options}
        values = value if isinstance(value, list) else [value]
        return ", ".join(
            labels.get(str(item), str(item) if not isinstance(item, float) else f"{item:g}") for item in values
        )

    def summary(self, answers: dict[str, Any]) -> str:
        """The result as a workbook page (thought record, plan): at the end of a run, and on request."""
        readable = {step_id: "(skipped)" for step_id in self.exercise.step_ids()}
        steps = {step.id: step for step in self.exercise.steps}
        for key, value in public(answers).items():
            readable[key] = self.display(steps[key], value) if key in steps else value
        return fill(self.exercise.summary_template, **readable).strip()


def public(answers: dict[str, Any]) -> dict[str, Any]:
    """The person's answers without the engine's own notes."""
    return {key: value for key, value in answers.items() if not key.startswith(PRIVATE)}
