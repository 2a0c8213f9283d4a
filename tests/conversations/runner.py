"""Plays a written conversation through Steady's exercise actions, as Rasa would call them.

A transcript (tests/conversations/exercises/*.yml) opens with a message that starts an exercise,
then lists what the person types, turn by turn, and what must be true after each turn: the step
the run is on, what was stored, words a reply must (or must not) contain. The runner calls the
real actions (start, the form's validation at activation and at every turn, the question, the
finish) with real rasa_sdk trackers, and the usage rows land in a private SQLite database.

No trained model is needed: a turn may say which intent the classifier would give (default: none
that means anything, at low confidence). tests/conversations/test_rest_conversations.py plays a
part of them through the real trained model over REST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from actions.exercise import ActionAskExerciseAnswer, ActionFinishExercise, ActionStartExercise, ValidateExerciseForm
from bot.db import UsageEvent, session_scope
from bot.exercises import load_exercises
from tests.support.trackers import DOMAIN, message, run_action, slot_events, tracker

TRANSCRIPTS = Path(__file__).parent / "exercises"
INTENTS = [name for name in DOMAIN["intents"] if isinstance(name, str)]
NAMES_AN_INTENT = re.compile(
    r"\b("
    + "|".join(re.escape(name) for name in INTENTS if "_" in name)
    + r")\b|'("
    + "|".join(map(re.escape, INTENTS))
    + r")'"
)


@dataclass
class Conversation:
    """Everything the bot said and the slots, turn by turn."""

    slots: dict[str, Any]
    replies: list[dict[str, Any]] = field(default_factory=list)
    turn_replies: list[dict[str, Any]] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)  # the run's answers, kept after it ends
    left_step: bool = False  # this turn the form was rejected: a rule answers, then the step is asked again

    def hear(self, said: list[dict[str, Any]]) -> None:
        self.replies += said
        self.turn_replies += said

    def update(self, events: list[dict[str, Any]]) -> None:
        slots = slot_events(events)
        self.slots.update(slots)
        if slots.get("exercise_answers"):
            self.answers = dict(slots["exercise_answers"])

    @property
    def status(self) -> str | None:
        return self.slots.get("exercise_status")


def load(path: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def all_transcripts() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(TRANSCRIPTS.glob("*.yml")):
        found += [(f"{path.stem}: {item['name']}", item) for item in load(path)]
    return found


def words_of(replies: list[dict[str, Any]]) -> str:
    parts = []
    for reply in replies:
        parts.append(reply.get("text") or "")
        parts += [str(button.get("title", "")) for button in reply.get("buttons") or []]
        custom = reply.get("custom") or reply.get("json_message") or {}
        if isinstance(custom, dict):
            parts.append(str(custom.get("fallback_text") or ""))
            parts += [str(line.get("say", "")) for line in custom.get("lines") or [] if isinstance(line, dict)]
    return "\n".join(parts)


def start(conversation: Conversation, item: dict[str, Any]) -> None:
    named = item.get("named", True)
    entities = [{"entity": "exercise", "value": item["exercise"]}] if named else []
    latest = message(item["start"], item.get("start_intent", "request_exercise"), entities=entities)
    before = [
        {"event": "user", "text": said["say"], "parse_data": message(said["say"], said.get("intent", "nlu_fallback"))}
        for said in item.get("before") or []
    ]
    events, dispatcher = run_action(ActionStartExercise(), tracker(latest, conversation.slots, earlier=before))
    started = slot_events(events)
    conversation.update(events)
    conversation.hear(dispatcher.messages)
    if conversation.status != "running":
        return
    # The form activates on the same message: Rasa validates the slots the start action just set.
    activation = tracker(latest, conversation.slots, active_loop="exercise_form", extracted=started)
    events, dispatcher = run_action(ValidateExerciseForm(), activation)
    conversation.update(events)
    conversation.hear(dispatcher.messages)
    ask(conversation, latest)


def ask(conversation: Conversation, latest: dict[str, Any]) -> None:
    if conversation.status == "running":
        state = {**conversation.slots, "requested_slot": "exercise_answer"}
        _, dispatcher = run_action(ActionAskExerciseAnswer(), tracker(latest, state, active_loop="exercise_form"))
        conversation.hear(dispatcher.messages)
        return
    ended = conversation.status  # completed, stopped, switched, interrupted: kept for the checks
    events, dispatcher = run_action(ActionFinishExercise(), tracker(latest, conversation.slots))
    conversation.update(events)
    conversation.hear(dispatcher.messages)
    conversation.slots["exercise_status"] = ended


def say(conversation: Conversation, turn: dict[str, Any]) -> None:
    text = str(turn["say"])
    latest = message(text, turn.get("intent", "nlu_fallback"), float(turn.get("confidence", 0.4)))
    state = {**conversation.slots, "requested_slot": "exercise_answer", "exercise_answer": text}
    current = tracker(latest, state, active_loop="exercise_form", extracted={"exercise_answer": text})
    events, dispatcher = run_action(ValidateExerciseForm(), current)
    conversation.left_step = any(event.get("event") == "action_execution_rejected" for event in events)
    conversation.update(events)
    conversation.hear(dispatcher.messages)
    ask(conversation, latest)


def current_step(conversation: Conversation, exercise_id: str) -> str:
    if conversation.status != "running":
        return "done"
    exercise = load_exercises()[exercise_id]
    ids = ["distress_before", *exercise.step_ids(), "distress_after"] if exercise.ratings else exercise.step_ids()
    return ids[int(conversation.slots.get("exercise_step") or 0)]


def usage() -> list[tuple[str, str | None, float | None]]:
    with session_scope() as session:
        rows = session.query(UsageEvent).order_by(UsageEvent.id).all()
        return [(row.kind, row.step, row.value) for row in rows]


def check(conversation: Conversation, expect: dict[str, Any], exercise_id: str, where: str) -> list[str]:
    """What is not as expected, in words (empty when all is well)."""
    problems = []
    said = words_of(conversation.turn_replies)
    answers = conversation.answers
    saved = (conversation.slots.get("last_results") or {}).get(exercise_id) or {}
    if "step" in expect and current_step(conversation, exercise_id) != expect["step"]:
        problems.append(f"{where}: on step {current_step(conversation, exercise_id)!r}, expected {expect['step']!r}")
    if "left_step" in expect and conversation.left_step != expect["left_step"]:
        problems.append(f"{where}: left the step: {conversation.left_step}, expected {expect['left_step']}")
    if "status" in expect and conversation.status != expect["status"]:
        problems.append(f"{where}: status {conversation.status!r}, expected {expect['status']!r}")
    for key, value in (expect.get("stored") or {}).items():
        got = answers.get(key, saved.get(key))
        if got != value and not (isinstance(value, list) and got is not None and set(value) <= set(got)):
            problems.append(f"{where}: stored {key}={got!r}, expected {value!r}")
    for key in expect.get("not_stored") or []:
        if key in answers:
            problems.append(f"{where}: {key} stored as {answers[key]!r}, expected nothing")
    for words in _as_list(expect.get("says")):
        if words.lower() not in said.lower():
            problems.append(f"{where}: no reply says {words!r}; replies: {said[:300]!r}")
    for words in _as_list(expect.get("never_says")):
        if words.lower() in said.lower():
            problems.append(f"{where}: a reply says {words!r}")
    if "buttons_at_most" in expect:
        most = max((len(reply.get("buttons") or []) for reply in conversation.turn_replies), default=0)
        if most > expect["buttons_at_most"]:
            problems.append(f"{where}: {most} buttons, expected at most {expect['buttons_at_most']}")
    for kind, step, value in [tuple(row) for row in expect.get("usage") or []]:
        if (kind, step, value) not in usage():
            problems.append(f"{where}: no usage row {(kind, step, value)}; rows: {usage()}")
    return problems


def _as_list(value: Any) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def play(item: dict[str, Any]) -> list[str]:
    """Play one transcript; the list of everything that went wrong."""
    conversation = Conversation(slots={"introduced": True, **(item.get("slots") or {})})
    start(conversation, item)
    problems = check(
        conversation,
        item.get("opening") or {"step": item.get("first_step", "distress_before")},
        item["exercise"],
        "opening",
    )
    for number, turn in enumerate(item.get("turns") or [], start=1):
        conversation.turn_replies = []
        if conversation.status != "running":
            problems.append(f"turn {number}: the run already ended ({conversation.status})")
            break
        say(conversation, turn)
        problems += check(conversation, turn.get("expect") or {}, item["exercise"], f"turn {number} ({turn['say']!r})")
    conversation.turn_replies = conversation.replies
    problems += check(conversation, item.get("end") or {}, item["exercise"], "end")
    named = NAMES_AN_INTENT.search(words_of(conversation.replies))
    if named:
        problems.append(f"a reply names an intent: {named.group(0)!r}")
    return problems
