"""An answer to a question that itself asks about risk: "yes" there is a disclosure.

A script step marked `asks_about_risk: true` (bot/content/exercises/*.yml, e.g. seek_help's
not_alive: "Have you been having thoughts of not wanting to be alive, or of ending your life?")
asks the direct question. The answer carries no risk words ("yes, almost every day", "kinda, most
nights", "not every day but often"), so neither the rules nor the scorer can see it; the question
makes it a disclosure. A clear no ("no", "nah im not there, just sad a lot", "not really") is not,
unless a "but" brings a yes back ("no but sometimes").
"""

from __future__ import annotations

import re

NO_FIRST = re.compile(
    r"^\W*(no+|nah|nope|naw|never|not really|not at all|not lately|not now|not anymore|no longer|"
    r"i don'?t think so|i do not think so|i haven'?t|i have not|haven'?t|none|nothing like that)\b")
YES_FIRST = re.compile(
    r"^\W*(yes+|yeah|yea|yep|yup|ya|yh|ye|y|aye|ok yes|i have|i do|i am|i think so|maybe|kind of|kinda|"
    r"sort of|sorta|a bit|a little|a lot|mostly|honestly yes|tbh yes|to be honest,? yes)\b")
YES_ANYWHERE = re.compile(
    r"\b(sometimes|often|most (days|nights|of the time)|(almost |nearly )?every (day|night|single day)|everyday|"
    r"daily|all the time|constantly|on and off|now and then|at times|occasionally|a few times|every so often|"
    r"more than (i'?d like|once|before)|lately|recently|these days|yes|yeah|yep|been having them|i have been)\b")
BUT = re.compile(r"\bbut\b")


def affirms(answer: str) -> bool:
    """A yes-type answer to a direct question about suicidal thoughts (hedged, typed or tapped)."""
    said = answer.lower().replace("\u2019", "'").strip()
    if not said:
        return False
    if NO_FIRST.search(said):
        after_but = BUT.split(said, maxsplit=1)
        return len(after_but) == 2 and bool(YES_FIRST.search(after_but[1]) or YES_ANYWHERE.search(after_but[1]))
    return bool(YES_FIRST.search(said) or YES_ANYWHERE.search(said))
