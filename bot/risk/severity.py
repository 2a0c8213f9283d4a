"""Severity grading for risk hits.

Scale (ordered): low < moderate < high < imminent.

Each rule has a base severity (bot/risk/rules.py); the message can raise it:

  category          base        raised to                         when the message has
  ----------------  ----------  --------------------------------  ---------------------------------
  passive_ideation  low         moderate                          a time-now word
  active_ideation   moderate    high                              a time-now word or a means word
  plan_intent       high        imminent                          a time-now word; or a means word
                                                                  with "here / with me / in front of
                                                                  me / ready"; location rules ("i'm
                                                                  on the bridge") are imminent
  plan_intent       high        imminent                          behaviour (attempt, overdose) that
    (behaviour)                                                   is recent: "just", "an hour ago"
  self_harm         moderate    high                              a time-now word
  harm_to_others    moderate    high; imminent with now + means   time-now, a means word, or a
                                                                  target time ("tomorrow", "when
                                                                  he gets home")
  harm_to_others    low ("kys", "kill yourself" said to someone) stays low
  abuse_danger      moderate    high (one step; imminent from     a time-now word, a means word,
                    high for    high)                             or "outside my door" /
                    threats                                       "coming home"
                    threats
  abuse_danger      any         low                               it is historical ("when i was a
                                                                  kid", "years ago")

time-now words: tonight, now, right now (and "rn"), today, this morning/afternoon/evening,
in an hour / in a few minutes, by morning, before morning.
means words (generic only): pills, meds, gun, knife, rope, blade, weapon.

A hit that only the NLU model saw (rule "model:diet", category "unspecified") is moderate.
"""

from __future__ import annotations

import re

from bot.risk.model import SEVERITIES, severity_rank

NOW = re.compile(r"\b(tonight|right now|now|today|this (morning|afternoon|evening)|"
                 r"in (an|a few|\d+) (hour|hours|minutes|mins)|(by|before) (morning|tomorrow))\b")
MEANS = re.compile(r"\b(pills?|meds|medication|tablets|gun|knife|rope|blade|weapon)\b")
AT_HAND = re.compile(r"\b(here|in front of me|with me|ready|in my hand|next to me|on me)\b")
RECENT = re.compile(r"\b(just|an hour ago|hour ago|minutes? ago|earlier|tonight|today|right now)\b")
TARGET_TIME = re.compile(r"\b(tomorrow|when (he|she|they) gets? home|at school|at work|monday)\b")
DANGER_NEAR = re.compile(r"\b(outside my|at my door|coming home|on (his|her|their) way|"
                         r"coming (for|after) me|is here|banging)\b")


def raise_to(severity: str, floor: str) -> str:
    return floor if severity_rank(floor) > severity_rank(severity) else severity


def step_up(severity: str) -> str:
    return SEVERITIES[min(severity_rank(severity) + 1, len(SEVERITIES) - 1)]


def grade(category: str, base: str, message: str, behaviour: bool = False,
          historical: bool = False) -> str:
    """Severity of one hit, from its rule's base and the (normalised) message."""
    now = bool(NOW.search(message))
    means = bool(MEANS.search(message))
    if category == "passive_ideation":
        return raise_to(base, "moderate") if now else base
    if category == "active_ideation":
        return raise_to(base, "high") if now or means else base
    if category == "plan_intent":
        if behaviour and RECENT.search(message):
            return "imminent"
        if now or (means and AT_HAND.search(message)):
            return "imminent"
        return base
    if category == "self_harm":
        return raise_to(base, "high") if now else base
    if category == "harm_to_others":
        if base == "low":
            return base
        if now and means:
            return "imminent"
        return raise_to(base, "high") if now or means or TARGET_TIME.search(message) else base
    if category == "abuse_danger":
        if historical:
            return "low"
        return step_up(base) if now or means or DANGER_NEAR.search(message) else base
    return base
