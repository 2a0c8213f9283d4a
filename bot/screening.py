"""The C-SSRS screener: which question comes next, what an answer means, and the severity grade.

Questions are asked one at a time, in order, and only as far as the answers make them relevant
(the wording lives in domain.yml as utter_ask_cssrs_* responses so reviewers can read it).

The screener adapts to what the person already said: the disclosure that started it answers some
questions (answered_by_disclosure: "I have the pills" answers method, "going to take them now"
answers intent), and those are not asked again. A yes to intent, plan or behaviour within the past
3 months ends the questions at once: the person gets the imminent guidance straight away.

Grading (reviewable; the more severe of this and the detector's grade wins):
  imminent  intention to act (intent = yes), a worked-out plan (plan = yes), or behaviour within
            the past 3 months (the C-SSRS screener's "high risk": act now)
  high      behaviour, and it is unclear whether it was within the past 3 months
  moderate  thoughts of killing oneself (thoughts = yes), or thinking about a method, or behaviour
            longer ago than 3 months
  low       a wish to be dead without thoughts of killing oneself
An unclear answer counts as a possible yes for what to ask next, never for lowering a grade.
"""

from __future__ import annotations

import re

from bot.risk.model import SEVERITIES, severity_rank

QUESTIONS = ("wish_dead", "thoughts", "method", "intent", "plan", "behaviour", "behaviour_recent")
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


# A yes to any of these means danger right now: stop asking and give the imminent guidance.
ACT_NOW = ("intent", "plan", "behaviour_recent")


def needs_action_now(answers: dict[str, str | None]) -> bool:
    return any(answers.get(question) == YES for question in ACT_NOW)


def next_questions(answers: dict[str, str | None]) -> list[str]:
    """The questions still relevant given the answers so far, in order (none once one says act now)."""
    if needs_action_now(answers):
        return []
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


# What a disclosure already answers. Read on the person's own words after the detector flagged them;
# kept small and reviewable. A match only ever answers "yes" (never "no").
_MEANS = r"(pills|tablets|meds|medication|overdose|rope|noose|gun|knife|blade|razor|bridge|ledge|roof)"
_DISCLOSED = {
    "wish_dead": (r"\b(want(ed)?|wanna|wish) (to )?(be )?(die|dead)\b", r"\bbetter off dead\b", r"\bnot wake up\b"),
    "thoughts": (
        r"\b(kill|end|ending|killing) (myself|my life|it all)\b",
        r"\bsuicid(e|al)\b",
        r"\bkms\b",
        r"\bunalive\b",
    ),
    "method": (
        rf"\b(i('ve| have)?|got|have|bought|saved|saving|stockpil\w*|collected)\b[\w\s']{{0,20}}\b{_MEANS}",
        rf"\b{_MEANS}\b[\w\s']{{0,20}}\b(ready|in front of me|next to me|here|saved|in my (hand|pocket|bag|room))\b",
        r"\bhow (i('d| would)|to) do it\b",
    ),
    "intent": (
        r"\b(going to|gonna|about to|will|i'll)\b[\w\s']{0,25}\b(take|do|end|kill|jump|hang|cut)\b",
        r"\b(tonight|right now|after this)\b",
    ),
    "plan": (r"\b(planned|my plan|a plan|worked out how|written (a|my) (note|letter))\b",),
    "behaviour": (
        r"\b(took|taken|swallowed)\b[\w\s']{0,20}\b(pills|tablets|them|all|everything|overdose)\b",
        r"\b(overdosed|od'd|cut myself|tried to (kill|end))\b",
    ),
}


def answered_by_disclosure(text: str) -> dict[str, str]:
    """The screener questions the person's own words already answered (always yes), in order.
    A method, intent or plan also answers the thoughts and wish-to-die questions: asking
    "have you wished you were dead?" after "I have the pills" is the redundancy to avoid."""
    said = _clean(text)
    answered = {q for q, patterns in _DISCLOSED.items() if any(re.search(p, said) for p in patterns)}
    if answered & {"method", "intent", "plan", "behaviour"}:
        answered |= {"wish_dead", "thoughts"}
    if "thoughts" in answered:
        answered.add("wish_dead")
    return {question: YES for question in QUESTIONS if question in answered}


def grade(answers: dict[str, str | None], detector_severity: str | None = None) -> str:
    """The screener's severity, never lower than what the detector saw."""

    def said_yes(question: str) -> bool:
        return answers.get(question) == YES

    if needs_action_now(answers):
        screened = "imminent"
    elif said_yes("behaviour") and answers.get("behaviour_recent") == UNCLEAR:
        screened = "high"
    elif said_yes("thoughts") or said_yes("method") or said_yes("behaviour"):
        screened = "moderate"
    else:
        screened = "low"
    candidates = [screened] + ([detector_severity] if detector_severity in SEVERITIES else [])
    return max(candidates, key=severity_rank)
