"""Reading an answer against what the step asked, before it is taken as the answer.

A question mid-step ("wait is it normal to feel this dizzy") gets a short, safe answer and the step
again; "this isnt helping" gets an offer to stop or switch; something off-topic is not saved. The
words and the replies are in bot/content/common.yml (listening:), where a clinician can read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.exercises.scripts import Step
from bot.exercises.wording import Common, normalise, pick

QUESTION_WORDS = frozenset(
    ["what", "whats", "what's", "how", "hows", "why", "when", "where", "who", "wait", "which"]
)
# "can you ...", "is it ...", "do people ...": a question; "do one essay at a time" is an answer.
AUXILIARIES = frozenset(
    ["is", "are", "am", "can", "could", "should", "will", "would", "do", "does", "did"]
    + ["isnt", "isn't", "shouldnt", "shouldn't", "cant", "can't", "dont", "don't", "wont", "won't"]
)
SUBJECTS = frozenset(
    ["i", "you", "u", "ya", "ye", "we", "they", "he", "she", "it", "this", "that", "these", "those", "there"]
    + ["people", "anyone", "anybody", "someone", "somebody", "everyone", "everybody", "my", "your", "other", "others"]
)
NOT_A_QUESTION = ("what if", "why am i", "why do i", "why does everyone", "why cant i", "why can't i", "who cares")
OFF_TOPIC_CONFIDENCE = 0.5
# Requests that leave the step: the rules in data/rules/ answer them and the step is asked again.
REQUEST_INTENTS = frozenset(["request_human", "request_counselor", "start_over", "bot_challenge"])
REQUEST_CONFIDENCE = 0.8
LIST_ITEM_WORDS = 4  # "gp and a helpline", "humor, hope": short items joined are an answer, not a request
WANTS_OUT_WORDS = 12  # longer messages that say "stop" are about something else
NOT_HELPING_WORDS = 8  # a longer answer that says "doesnt help" is about something else, unless it says "this"
SHORT_META_WORDS = 4  # "i dont get it" alone is about the step; longer messages may be the answer


@dataclass(frozen=True)
class Heard:
    """What the person's message was, when it was not an answer: `hold` keeps the step's question back
    (the reply asks its own question, with buttons)."""

    kind: str  # keep_going, not_helping, question, off_topic
    reply: str = ""
    buttons: list[dict[str, str]] = field(default_factory=list)
    hold: bool = False


def is_question(text: str) -> bool:
    said = normalise(text)
    if not said or said.startswith(NOT_A_QUESTION):
        return False
    words = said.split()
    if text.strip().endswith("?") or words[0] in QUESTION_WORDS:
        return True
    return words[0] in AUXILIARIES and len(words) > 1 and words[1] in SUBJECTS


def _mentions(said: str, phrases: list[str]) -> bool:
    padded = f" {said} "
    return any(f" {normalise(phrase)} " in padded for phrase in phrases)


def _topic_reply(said: str, asked: bool, where: str, step: Step, listening: dict[str, Any], seed: str) -> str:
    for name, topic in (listening.get("topics") or {}).items():
        short = topic.get("short") and len(said.split()) <= SHORT_META_WORDS
        applies = asked or short or name in step.listens_for or where in topic.get("steps", [])
        if applies and _mentions(said, topic.get("words", [])):
            answers = topic["answer"] if isinstance(topic["answer"], list) else [topic["answer"]]
            answer = pick(answers, seed)
            if answer == "{help}":  # the step's own help line says what it is for
                return step.help or pick(listening.get("question_other", [""]), seed)
            return answer
    return ""


def _wants_out(said: str, listening: dict[str, Any]) -> bool:
    """The person asks, in their own words, to stop or switch (a short message that says so)."""
    short = len(said.split()) <= WANTS_OUT_WORDS
    return short and _mentions(said, listening.get("wants_out", [])) and not _mentions(
        said, listening.get("wants_out_not", [])
    )


def listen(
    text: str, step: Step, exercise_id: str, common: Common, intent: str | None, confidence: float, seed: str
) -> Heard | None:
    """What the message is, when it is not simply the answer to `step`; None when it is an answer."""
    listening: dict[str, Any] = common.raw.get("listening") or {}
    said = normalise(text)
    if said in common.words("continue_words"):
        return Heard("keep_going")
    about_this = len(said.split()) <= NOT_HELPING_WORDS or _mentions(said, ["this", "exercise", "these questions"])
    if about_this and _mentions(said, listening.get("not_helping", [])):
        buttons = [{"title": title, "payload": payload} for title, payload in listening["not_helping_buttons"].items()]
        return Heard("not_helping", pick(common.lines("listening", "not_helping_reply"), seed), buttons, hold=True)
    if _wants_out(said, listening):
        buttons = [{"title": title, "payload": payload} for title, payload in listening["not_helping_buttons"].items()]
        return Heard("not_helping", pick(common.lines("listening", "wants_out_reply"), seed), buttons, hold=True)
    asked = is_question(text)
    reply = _topic_reply(said, asked, f"{exercise_id}.{step.id}", step, listening, seed)
    if reply:
        return Heard("question", reply)
    # Only a question is taken as off-topic: an answer may mention anything ("my sons football match").
    off_topic = asked and not step.questions_welcome and (
        (intent == "out_of_scope" and confidence >= OFF_TOPIC_CONFIDENCE)
        or _mentions(said, listening.get("off_topic_words", []))
    )
    if off_topic:
        return Heard("off_topic", pick(common.lines("listening", "off_topic"), seed))
    return None


def is_list(text: str) -> bool:
    """Two or more short items ("my partner, long walks", "gp and a helpline")."""
    parts = re.split(r"[,;\n&+]| and ", f" {text.lower()} ")
    items = [normalise(part).split() for part in parts if normalise(part)]
    return len(items) >= 2 and all(len(item) <= LIST_ITEM_WORDS for item in items)


def reads_as_request(text: str, intent: str | None, confidence: float) -> bool:
    """A request that leaves the step (a person, a fresh start, "are you a bot?"), not an answer that
    only sounds like one: a button or forced intent always is; typed words only when the classifier
    is sure and they are not a list."""
    if intent not in REQUEST_INTENTS:
        return False
    if text.lstrip().startswith("/"):
        return True
    return confidence >= REQUEST_CONFIDENCE and not is_list(text)


def unanswered_question(text: str, common: Common, seed: str) -> Heard | None:
    """A question at a step that needs a number or an option, which nothing above answered."""
    if not is_question(text):
        return None
    return Heard("question", pick(common.lines("listening", "question_other"), seed))
