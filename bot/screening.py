"""The C-SSRS screener: which question comes next, what an answer means, and the severity grade.

Questions are asked one at a time, in order, and only as far as the answers make them relevant
(the wording lives in domain.yml as utter_ask_cssrs_* responses so reviewers can read it).

Grading (reviewable; the more severe of this and the detector's grade wins):
  imminent  a worked-out plan the person intends to carry out (plan = yes)
  high      intention to act (intent = yes), or behaviour within the past 3 months
  moderate  thoughts of killing oneself (thoughts = yes), or thinking about a method, or behaviour
            longer ago than 3 months
  low       a wish to be dead without thoughts of killing oneself
An unclear answer counts as a possible yes for what to ask next, never for lowering a grade.
"""

from __future__ import annotations

import re

QUESTIONS = ("wish_dead", "thoughts", "method", "intent", "plan", "behaviour", "behaviour_recent")
SEVERITIES = ("low", "moderate", "high", "imminent")
YES, NO, UNCLEAR, DECLINED = "yes", "no", "unclear", "declined"
MEANINGS = (YES, NO, UNCLEAR, DECLINED)

YES_WORDS = {
    "yes",
    "yeah",
    "yea",
    "yep",
    "ya",
    "yh",
    "y",
    "sometimes",
    "kind of",
    "kinda",
    "sort of",
    "a bit",
    "maybe",
    "i have",
    "i did",
    "true",
    "often",
    "all the time",
    "every day",
    "definitely",
    "mhm",
}
NO_WORDS = {
    "no",
    "nope",
    "nah",
    "n",
    "not really",
    "never",
    "no i haven't",
    "i haven't",
    "i have not",
    "not at all",
    "no never",
    "none",
    "i don't",
    "i dont",
}
DECLINE_WORDS = {
    "i don't want to answer",
    "i dont want to answer",
    "rather not say",
    "i'd rather not",
    "id rather not",
    "pass",
    "skip",
    "stop",
    "no comment",
    "don't want to talk about it",
    "dont want to talk about it",
}


def slot_name(question: str) -> str:
    return f"cssrs_{question}"


def next_questions(answers: dict[str, str | None]) -> list[str]:
    """The questions still relevant given the answers so far, in order."""
    relevant = ["wish_dead", "thoughts"]
    if answers.get("thoughts") in (YES, UNCLEAR):
        relevant += ["method", "intent", "plan"]
    relevant.append("behaviour")
    if answers.get("behaviour") in (YES, UNCLEAR):
        relevant.append("behaviour_recent")
    return [question for question in relevant if answers.get(question) is None]


def _clean(text: str) -> str:
    text = text.replace("\u2019", "'").lower()
    return " ".join(re.sub(r"[^\w\s']", " ", text).split())


def interpret(text: str, intent: str | None = None, is_risk: bool = False) -> str:
    """yes / no / unclear / declined for one answer. A risk disclosure in the answer counts as yes."""
    said = _clean(text)
    if said in DECLINE_WORDS:
        return DECLINED
    if is_risk or intent == "affirm" or said in YES_WORDS or said.split()[:1] in (["yes"], ["yeah"], ["yep"]):
        return YES
    if intent == "deny" or said in NO_WORDS or said.split()[:1] in (["no"], ["nope"], ["nah"], ["never"]):
        return NO
    return UNCLEAR


def grade(answers: dict[str, str | None], detector_severity: str | None = None) -> str:
    """The screener's severity, never lower than what the detector saw."""

    def said_yes(question: str) -> bool:
        return answers.get(question) == YES

    if said_yes("plan"):
        screened = "imminent"
    elif said_yes("intent") or (said_yes("behaviour") and answers.get("behaviour_recent") in (YES, UNCLEAR)):
        screened = "high"
    elif said_yes("thoughts") or said_yes("method") or said_yes("behaviour"):
        screened = "moderate"
    else:
        screened = "low"
    candidates = [screened] + ([detector_severity] if detector_severity in SEVERITIES else [])
    return max(candidates, key=SEVERITIES.index)
