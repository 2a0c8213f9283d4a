"""The exercise scripts clinicians write in bot/content/exercises/*.yml: what a step and a script are,
loading them, and the check that names an incomplete script."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from bot.config import CONTENT_DIR
from bot.exercises.wording import Common, ContentError, load_common, read_yaml

STEP_KINDS = ("text", "choice", "scale", "list", "pacer", "guide", "pick_from", "rating")
RATING_BEFORE = "distress_before"
RATING_AFTER = "distress_after"


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
    compare_to: str = ""  # scale: an earlier scale step this one re-rates (reflect_change says how it moved)
    reflect_change: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lower / same / higher
    low_below: int | None = None  # scale: answers below this get low_reply instead of reflect
    low_reply: tuple[str, ...] = ()
    offer_first: int = 0  # choice: offer this many likely options first (by hints in hints_from), then "show all"
    hints_from: str = ""
    listens_for: tuple[str, ...] = ()  # common.yml listening topics that apply to plain answers at this step
    questions_welcome: bool = False  # the answer is words for someone else ("fancy a coffee?"): never off-topic
    explain_options: bool = True  # choice: the options' explanations go in the question (when there are few)
    earlier_prompt: str = ""  # asked instead of prompt when the person already said it ({earlier}); yes takes it


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
    call_it: str = ""  # how a sentence names it ("the breathing"), never the title pasted in
    says: tuple[str, ...] = ()  # words people use for it ("setback", "box"), to match what they type

    def step_ids(self) -> list[str]:
        return [step.id for step in self.steps]


# ---------------------------------------------------------------- loading


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _as_text(value: Any) -> str:
    """An option field; a list (an option's `says` or `hints`) is kept as words joined by |."""
    return "|".join(str(item) for item in value) if isinstance(value, list) else str(value)


def _step_from(data: dict[str, Any], where: str) -> Step:
    missing = [key for key in ("id", "kind", "prompt") if not data.get(key)]
    if missing:
        raise ContentError(f"{where}: a step is missing {', '.join(missing)}")
    if data["kind"] not in STEP_KINDS:
        raise ContentError(f"{where}: step {data['id']} has unknown kind {data['kind']!r}")
    options = tuple({key: _as_text(value) for key, value in option.items()} for option in data.get("options", []))
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
        compare_to=str(data.get("compare_to", "")),
        reflect_change={key: _as_tuple(lines) for key, lines in (data.get("reflect_change") or {}).items()},
        low_below=int(data["low_below"]) if data.get("low_below") is not None else None,
        low_reply=_as_tuple(data.get("low_reply")),
        offer_first=int(data.get("offer_first", 0)),
        hints_from=str(data.get("hints_from", "")),
        listens_for=_as_tuple(data.get("listens_for")),
        questions_welcome=bool(data.get("questions_welcome", False)),
        earlier_prompt=str(data.get("earlier_prompt", "")).strip(),
        explain_options=bool(data.get("explain_options", True)),
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
        call_it=str(data.get("call_it") or "this exercise"),
        says=tuple(word for word in str(data.get("says", "")).split("|") if word),
    )


@cache
def load_exercises(content_dir: Path = CONTENT_DIR) -> dict[str, Exercise]:
    files = sorted((content_dir / "exercises").glob("*.yml"))
    exercises = {path.stem: _exercise_from(read_yaml(path), path) for path in files}
    return exercises


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
        if step.reflect_change and set(step.reflect_change) - {"lower", "same", "higher"}:
            problems.append(f"{where}: reflect_change takes lower, same and higher only")
        if step.earlier_prompt and "{earlier}" not in step.earlier_prompt:
            problems.append(f"{where}: earlier_prompt must quote {{earlier}}")
        for ref in (step.pattern_from, step.rounds_from, step.source, step.compare_to, step.hints_from):
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
        ("done_button",),
        ("menu_buttons", "more"),
        ("menu_buttons", "person"),
        ("suggest", "okay"),
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
