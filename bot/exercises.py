"""Guided exercises: the scripts clinicians write in bot/content/, and the engine that walks them.

The engine is plain Python with no Rasa imports. It keeps its state in a small dict
(stored by the actions in Rasa slots) and turns one answer into the next messages.
Every run is: distress rating before -> the script's steps -> outro + rating after.
A script may turn the ratings off (`ratings: false`, for the small-goal follow-up) and may be
`hidden` from menus (run only when the assistant starts it, with earlier answers as context).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.config import CONTENT_DIR
from bot.risk.disclosure import affirms

STEP_KINDS = ("text", "choice", "scale", "list", "pacer", "guide", "pick_from", "rating")
RATING_BEFORE = "distress_before"
RATING_AFTER = "distress_after"
MAX_UNUSABLE_ANSWERS = 2
REFLECT_CHARS = 80
CONTROL_CONFIDENCE = 0.9
OPTION_ALIASES = {"yes": {"yeah", "yep", "yea", "ya", "y", "yes i have", "i have"},
                  "no": {"nah", "nope", "n", "not really", "no i haven't"}}  # fmt: skip
SWITCH_WORDS = frozenset({"something else", "menu", "other options", "show menu", "different exercise"})
NUMBER_WORDS = {
    "zero": 0,
    "none": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

Message = dict[str, Any]


class ContentError(ValueError):
    """A content file is missing something the engine needs."""


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    prompt: str
    help: str = ""
    reflect: tuple[str, ...] = ()
    skip_reply: str = ""
    options: tuple[dict[str, str], ...] = ()
    multiple: bool = False
    min: int = 0
    max: int = 10
    low_label: str = ""
    high_label: str = ""
    min_items: int = 1
    max_items: int = 10
    more_prompt: tuple[str, ...] = ()
    enough_prompt: str = ""
    pattern_from: str = ""
    rounds_from: str = ""
    source: str = ""
    prompts: tuple[str, ...] = ()  # variations (ratings)
    lines: tuple[dict[str, Any], ...] = ()  # guide: timed instructions [{say, seconds}]
    escalate_on: tuple[str, ...] = ()  # choice values that mean risk: the run ends and help comes first
    asks_about_risk: bool = False  # the step asks about suicidal thoughts: a typed yes-type answer is a disclosure


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    summary: str
    suits: tuple[str, ...]
    minutes: int
    intro: str
    steps: tuple[Step, ...]
    outro: tuple[str, ...] = ()
    summary_template: str = ""
    patterns: dict[str, Any] = field(default_factory=dict)
    hidden: bool = False  # never offered in menus or started by name; the assistant starts it
    ratings: bool = True  # the 0-10 distress rating before and after
    offer_next: tuple[str, ...] = ()  # exercises offered first when this one ends
    follow_up: str = ""  # a (hidden) script to run when the person comes back after completing this one

    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]


@dataclass(frozen=True)
class Common:
    raw: dict[str, Any]

    def lines(self, *path: str) -> tuple[str, ...]:
        node: Any = self.raw
        for key in path:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        if isinstance(node, str):
            return (node,)
        return tuple(node) if isinstance(node, list) else ()

    def words(self, name: str) -> frozenset[str]:
        return frozenset(normalise(word) for word in self.raw.get(name, []))


# ---------------------------------------------------------------- loading


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _step_from(data: dict[str, Any], where: str) -> Step:
    missing = [key for key in ("id", "kind", "prompt") if not data.get(key)]
    if missing:
        raise ContentError(f"{where}: a step is missing {', '.join(missing)}")
    if data["kind"] not in STEP_KINDS:
        raise ContentError(f"{where}: step {data['id']} has unknown kind {data['kind']!r}")
    options = tuple({key: str(value) for key, value in option.items()} for option in data.get("options", []))
    return Step(
        id=str(data["id"]),
        kind=data["kind"],
        prompt=str(data["prompt"]).strip(),
        help=str(data.get("help", "")).strip(),
        reflect=_as_tuple(data.get("reflect")),
        skip_reply=str(data.get("skip_reply", "")).strip(),
        options=options,
        multiple=bool(data.get("multiple", False)),
        min=int(data.get("min", 0)),
        max=int(data.get("max", 10)),
        low_label=str(data.get("low_label", "")),
        high_label=str(data.get("high_label", "")),
        min_items=int(data.get("min_items", 1)),
        max_items=int(data.get("max_items", 10)),
        more_prompt=_as_tuple(data.get("more_prompt")),
        enough_prompt=str(data.get("enough_prompt", "")).strip(),
        pattern_from=str(data.get("pattern_from", "")),
        rounds_from=str(data.get("rounds_from", "")),
        source=str(data.get("source", "")),
        lines=tuple(dict(line) for line in data.get("lines", [])),
        escalate_on=tuple(str(value) for value in data.get("escalate_on", [])),
        asks_about_risk=bool(data.get("asks_about_risk", False)),
    )


def _exercise_from(data: dict[str, Any], path: Path) -> Exercise:
    where = path.name
    for key in ("id", "title", "summary", "intro", "steps"):
        if not data.get(key):
            raise ContentError(f"{where}: missing {key}")
    if data["id"] != path.stem:
        raise ContentError(f"{where}: id {data['id']!r} must match the file name")
    return Exercise(
        id=data["id"],
        title=str(data["title"]),
        summary=str(data["summary"]),
        suits=tuple(data.get("suits", [])),
        minutes=int(data.get("minutes", 5)),
        intro=str(data["intro"]).strip(),
        steps=tuple(_step_from(step, where) for step in data["steps"]),
        outro=_as_tuple(data.get("outro")),
        summary_template=str(data.get("summary_template", "")).strip(),
        patterns=dict(data.get("patterns", {})),
        hidden=bool(data.get("hidden", False)),
        ratings=bool(data.get("ratings", True)),
        offer_next=_as_tuple(data.get("offer_next")),
        follow_up=str(data.get("follow_up", "")),
    )


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ContentError(f"{path.name}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise ContentError(f"{path.name}: expected a mapping at the top level")
    return data


@cache
def load_exercises(content_dir: Path = CONTENT_DIR) -> dict[str, Exercise]:
    files = sorted((content_dir / "exercises").glob("*.yml"))
    exercises = {path.stem: _exercise_from(_read_yaml(path), path) for path in files}
    return exercises


@cache
def load_common(content_dir: Path = CONTENT_DIR) -> Common:
    return Common(_read_yaml(content_dir / "common.yml"))


def get_exercise(exercise_id: str) -> Exercise | None:
    return load_exercises().get(exercise_id)


def offered_exercises() -> dict[str, Exercise]:
    """The exercises a person can pick: every script except the hidden ones."""
    return {name: exercise for name, exercise in load_exercises().items() if not exercise.hidden}


def full_steps(exercise: Exercise, common: Common) -> list[Step]:
    """The script's steps wrapped in the distress ratings (unless the script turns them off)."""
    if not exercise.ratings:
        return list(exercise.steps)
    labels = {"low_label": common.raw["rating"]["low_label"], "high_label": common.raw["rating"]["high_label"]}
    before = Step(
        RATING_BEFORE, "rating", common.lines("rating", "before")[0], prompts=common.lines("rating", "before"), **labels
    )
    after = Step(
        RATING_AFTER, "rating", common.lines("rating", "after")[0], prompts=common.lines("rating", "after"), **labels
    )
    return [before, *exercise.steps, after]


# ---------------------------------------------------------------- helpers


def normalise(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").lower()
    text = re.sub(r"[^\w\s'/-]", " ", text)
    return " ".join(text.split())


def pick(options: tuple[str, ...] | list[str], seed: str) -> str:
    """A variation chosen from a seed: varied across runs, repeatable within one."""
    if not options:
        return ""
    digest = hashlib.sha256(seed.encode()).digest()
    return options[digest[0] % len(options)]


def fill(template: str, **values: Any) -> str:
    """Fill {placeholders}; an unknown placeholder is left as it is rather than crashing."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        return str(values[key]) if key in values and values[key] is not None else match.group(0)

    return re.sub(r"\{(\w+)\}", replace, template)


def shorten(text: str, limit: int = REFLECT_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def parse_number(text: str, low: int, high: int) -> int | None:
    """Read a whole number in [low, high] from answers like '7', '7/10', 'about six', '80%'."""
    cleaned = normalise(text)
    digits = re.findall(r"\d+(?:\.\d+)?", cleaned)
    if digits:
        value = round(float(digits[0]))
    else:
        words = [NUMBER_WORDS[word] for word in cleaned.split() if word in NUMBER_WORDS]
        if not words:
            return None
        value = words[0]
    return value if low <= value <= high else None


def split_items(text: str) -> list[str]:
    parts = re.split(r"\n|;|,|\s+/\s+", text)
    items = [re.sub(r"^\s*(?:\d+[.)]|[-•*])\s*", "", part).strip() for part in parts]
    return [item for item in items if item]


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


# ---------------------------------------------------------------- the engine


class Engine:
    def __init__(self, exercise: Exercise, common: Common | None = None) -> None:
        self.exercise = exercise
        self.common = common or load_common()
        self.steps = full_steps(exercise, self.common)

    # -- asking

    def prompt(self, state: RunState) -> list[Message]:
        """The messages that ask the current step."""
        step = self.steps[state.step_index]
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        messages: list[Message] = []
        if step.id == RATING_AFTER and self.exercise.outro and not state.unusable:  # ratings on: outro first
            messages.append({"text": pick(self.exercise.outro, seed)})
        if step.kind == "pacer":
            messages.append(self._pacer_message(state, step))
        if step.kind == "guide":
            messages.append(self._guide_message(step))
        text = pick(step.prompts, seed) if step.prompts else step.prompt
        if step.kind == "list" and state.answers.get(step.id):
            text = self._list_followup(state, step, seed)
        if step.kind == "choice" and any(option.get("explain") for option in step.options):
            text += "\n" + "\n".join(f"• {o['label']}: {o['explain']}" for o in step.options if o.get("explain"))
        if state.unusable and step.help:
            text = f"{step.help}\n{text}"
        messages.append({"text": fill(text, **self.context(state)), "buttons": self._buttons(state, step)})
        return messages

    @staticmethod
    def context(state: RunState) -> dict[str, str]:
        """Earlier answers (or ones the run started with) that a prompt may quote as {step_id}."""
        return {key: shorten(value) for key, value in state.answers.items() if isinstance(value, str)}

    def intro(self, state: RunState) -> str:
        return fill(self.exercise.intro, **self.context(state))

    def _list_followup(self, state: RunState, step: Step, seed: str) -> str:
        count = len(state.answers[step.id])
        if count >= step.min_items and step.enough_prompt:
            return step.enough_prompt
        return pick(step.more_prompt, seed) if step.more_prompt else step.prompt

    def _buttons(self, state: RunState, step: Step) -> list[dict[str, str]]:
        if step.kind in ("rating", "scale"):
            stride = max(1, (step.max - step.min) // 10)
            return [{"title": str(n), "payload": str(n)} for n in range(step.min, step.max + 1, stride)]
        if step.kind == "choice":
            return [{"title": option["label"], "payload": option["value"]} for option in step.options]
        if step.kind == "pick_from":
            items = state.answers.get(step.source) or []
            return [{"title": shorten(item, 40), "payload": str(i + 1)} for i, item in enumerate(items)]
        if step.kind == "list" and len(state.answers.get(step.id) or []) >= step.min_items:
            return [{"title": "That's all", "payload": "done"}]
        return []

    def _pacer_message(self, state: RunState, step: Step) -> Message:
        pattern_id = state.answers.get(step.pattern_from) or next(iter(self.exercise.patterns))
        pattern = self.exercise.patterns.get(pattern_id) or next(iter(self.exercise.patterns.values()))
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

    def _guide_message(self, step: Step) -> Message:
        lines = [{"say": str(line["say"]), "seconds": int(line["seconds"])} for line in step.lines]
        fallback = "\n".join(f"{line['say']} ({line['seconds']} seconds)" for line in lines)
        payload = {
            "type": "guided_sequence",
            "step": step.id,
            "lines": lines,
            "total_seconds": sum(line["seconds"] for line in lines),
            "fallback_text": fallback,
        }
        return {"text": fallback, "custom": payload}

    # -- answering

    def answer(self, state: RunState, text: str, intent: str | None = None, confidence: float = 0.0) -> Outcome:
        """Apply one answer to the current step; state is updated in place."""
        control = self._control_word(text, intent, confidence)
        if control in ("stop", "switch"):
            return Outcome(finished=True, ended_by=control)
        step = self.steps[state.step_index]
        if control == "skip":
            return self._skip(state, step)
        if step.kind == "list" and normalise(text) in self.common.words("done_words"):
            return self._finish_list(state, step)
        value = self._interpret(state, step, text)
        if value is None:
            return self._unusable(state, step)
        return self._accept(state, step, text, value)

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

    def _interpret(self, state: RunState, step: Step, text: str) -> Any:
        if not text.strip():
            return None
        if step.kind in ("scale", "rating"):
            return parse_number(text, step.min, step.max)
        if step.kind == "choice" and step.asks_about_risk and step.escalate_on and affirms(text):
            return step.escalate_on[0]  # "yes, almost every day" answers the direct question: a disclosure
        if step.kind == "choice":
            return self._match_options(step, text)
        if step.kind == "pick_from":
            return self._match_own_item(state.answers.get(step.source) or [], text)
        if step.kind == "list":
            return split_items(text) or None
        return text.strip()

    def _match_options(self, step: Step, text: str) -> Any:
        wanted = [normalise(part) for part in re.split(r",|\band\b|;", text)] if step.multiple else [normalise(text)]
        picked = [value for part in wanted if (value := self._match_option(step, part))]
        if not picked:
            return None
        return list(dict.fromkeys(picked)) if step.multiple else picked[0]

    @staticmethod
    def _match_option(step: Step, said: str) -> str | None:
        if not said:
            return None
        for index, option in enumerate(step.options, start=1):
            names = {normalise(option["value"]), normalise(option["label"]), str(index)}
            names |= OPTION_ALIASES.get(option["value"], set())
            if said in names:
                return option["value"]
        for option in step.options:
            label = normalise(option["label"])
            if len(said) >= 3 and (said in label or label in said):
                return option["value"]
        return None

    @staticmethod
    def _match_own_item(items: list[str], text: str) -> str | None:
        said = normalise(text)
        number = parse_number(said, 1, len(items)) if items else None
        if number is not None and said.isdigit():
            return items[number - 1]
        for item in items:
            if said and (said in normalise(item) or normalise(item) in said):
                return item
        return None

    def _accept(self, state: RunState, step: Step, text: str, value: Any) -> Outcome:
        outcome = Outcome()
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
        reply = self._option_reply(step, value)
        if reply:
            outcome.messages.append({"text": reply})
        elif step.reflect:
            shown = self.display(step, value) if step.kind in ("choice", "pick_from") else text
            reflection = fill(pick(step.reflect, f"{state.run_id}:{step.id}:reflect"), answer=shorten(shown))
            outcome.messages.append({"text": reflection})
        numeric = float(value) if step.kind in ("scale", "rating") else None
        choice = value if step.kind == "choice" and isinstance(value, str) else None
        return self._advance(state, step, outcome, logged_value=numeric, choice=choice)

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
        kind = {"rating": "scale", "pick_from": "choice"}.get(step.kind, step.kind)
        line = pick(self.common.lines("invalid", kind), seed) or step.help
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
            return fill(pick(self.exercise.outro, f"{state.run_id}:closing"), **self.context(state))
        before = state.answers.get(RATING_BEFORE)
        after = state.answers.get(RATING_AFTER)
        if before is None or after is None:
            change = "unknown"
        else:
            change = "better" if after < before else "worse" if after > before else "same"
        line = pick(self.common.lines("closing", change), f"{state.run_id}:closing")
        return fill(line, before=before, after=after, exercise=self.exercise.title)

    @staticmethod
    def display(step: Step, value: Any) -> str:
        """An answer as the person saw it: option labels instead of their values."""
        labels = {option["value"]: option["label"] for option in step.options}
        values = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(item), str(item)) for item in values)

    def summary(self, answers: dict[str, Any]) -> str:
        """The saved result shown again on request (thought record, plan)."""
        readable = {step_id: "(skipped)" for step_id in self.exercise.step_ids()}
        steps = {step.id: step for step in self.exercise.steps}
        for key, value in answers.items():
            readable[key] = self.display(steps[key], value) if key in steps else value
        return fill(self.exercise.summary_template, **readable)


def content_problems(content_dir: Path = CONTENT_DIR) -> list[str]:
    """Everything that would make a script incomplete; empty when all is well."""
    problems: list[str] = []
    try:
        exercises = load_exercises.__wrapped__(content_dir)
        common = load_common.__wrapped__(content_dir)
    except ContentError as error:
        return [str(error)]
    for exercise in exercises.values():
        problems += _exercise_problems(exercise, set(exercises))
    problems += _common_problems(common)
    return problems


def _exercise_problems(exercise: Exercise, known: set[str]) -> list[str]:
    problems = []
    seen: list[str] = []
    for step in exercise.steps:
        where = f"{exercise.id}.{step.id}"
        if step.id in seen:
            problems.append(f"{where}: duplicate step id")
        if step.kind == "choice" and not step.options:
            problems.append(f"{where}: a choice step needs options")
        for ref in (step.pattern_from, step.rounds_from, step.source):
            if ref and ref not in seen:
                problems.append(f"{where}: refers to {ref!r}, which is not an earlier step")
        if step.kind == "pacer" and not exercise.patterns:
            problems.append(f"{where}: a pacer step needs patterns in the file")
        if step.kind == "guide" and not all(line.get("say") and int(line.get("seconds", 0)) > 0 for line in step.lines):
            problems.append(f"{where}: a guide step needs lines, each with say and seconds")
        seen.append(step.id)
    for pattern_id, pattern in exercise.patterns.items():
        if not pattern.get("label") or not pattern.get("phases"):
            problems.append(f"{exercise.id}: pattern {pattern_id} needs a label and phases")
        for phase in pattern.get("phases", []):
            if not phase.get("say") or int(phase.get("seconds", 0)) <= 0:
                problems.append(f"{exercise.id}: pattern {pattern_id} has a phase without say/seconds")
    if not exercise.outro:
        problems.append(f"{exercise.id}: needs an outro")
    for name in (*exercise.offer_next, *([exercise.follow_up] if exercise.follow_up else [])):
        if name not in known:
            problems.append(f"{exercise.id}: names {name!r}, which is not an exercise")
    return problems


def _common_problems(common: Common) -> list[str]:
    required = [
        ("rating", "before"),
        ("rating", "after"),
        ("skipped",),
        ("stopped",),
        ("menu_prompt",),
        ("invalid", "scale"),
        ("invalid", "choice"),
        ("invalid", "list_too_short"),
        ("invalid", "gave_up"),
        ("closing", "better"),
        ("closing", "same"),
        ("closing", "worse"),
        ("closing", "unknown"),
    ]
    problems = [f"common.yml: {'.'.join(path)} needs at least one line" for path in required if not common.lines(*path)]
    lists = [common.words(name) for name in ("skip_words", "stop_words", "done_words")]
    overlap = (lists[0] & lists[1]) | (lists[0] & lists[2]) | (lists[1] & lists[2])
    if overlap:
        problems.append(f"common.yml: words in more than one list: {sorted(overlap)}")
    return problems
