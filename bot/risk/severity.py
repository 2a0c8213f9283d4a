"""Severity grading for risk hits.

Scale (ordered): low < moderate < high < imminent.

Each rule has a base severity (bot/risk/rules.yml); the message can raise it:

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

Imminent cues from the words (issue 12; they apply to every self-directed category: passive and
active ideation, plan_intent, self_harm):
  means at hand      a means word with "here / in front of me / in my hand / ready" (MEANS + AT_HAND)
  ingestion done     "took / swallowed / downed ... pills / the packet / all of them", "overdosed", "od'd"
  injury done        "cut / burned ... myself / my arm ... deep / bleeding", "won't stop bleeding"
  a date or tonight  "tonight", "tomorrow", a weekday, "this weekend", "after the birthday", "that's when"
                     (passive ideation only with "tonight": "i hope i don't wake up tomorrow" is a wish)
  goodbyes           "goodbye everyone", "this is goodbye", notes or letters written, things given away
A hit that only the NLU model saw (rule "model:diet", category "unspecified") is moderate; one
that only the risk scorer saw (rule "model:scorer") is graded by grade_words: imminent on any cue
above, else moderate.
"""

from __future__ import annotations

import re

from bot.risk.model import SEVERITIES, severity_rank
from bot.risk.rules import CONTEXTS

SELF_DIRECTED = frozenset({"passive_ideation", "active_ideation", "plan_intent", "self_harm"})
NOW = re.compile(r"\b(tonight|right now|now|today|this (morning|afternoon|evening)|"
                 r"in (an|a few|\d+) (hour|hours|minutes|mins)|(by|before) (morning|tomorrow))\b")
MEANS = re.compile(r"\b(pills?|meds|medication|tablets|gun|knife|rope|blade|weapon)\b")
AT_HAND = re.compile(r"\b(here|in front of me|with me|ready|in my hand|next to me|on me)\b")
RECENT = re.compile(r"\b(just|an hour ago|hour ago|minutes? ago|earlier|tonight|today|right now)\b")
TARGET_TIME = re.compile(r"\b(tomorrow|when (he|she|they) gets? home|at school|at work|monday)\b")
DANGER_NEAR = re.compile(r"\b(outside my|at my door|coming home|on (his|her|their) way|"
                         r"coming (for|after) me|is here|banging)\b")


HERE_NOW = re.compile(r"\b(here|right here|in front of me|with me|ready|in (my|ma) hand|next to me|on me|on (my|the) "
                      r"(desk|table|bed|floor)|open|out|the now|rn|right now|now)\b")
WORDS_MEANS = re.compile(r"\b(pills?|meds|medication|tablets?|gun|knife|rope|blade|razor|weapon|bottle|bridge|"
                         r"edge|ledge|roof|tracks)\b")
INGESTION_DONE = re.compile(
    r"\b(took|taken|swallowed|downed|necked|ate|drank|drunk|had)\b[^.!?]{0,40}\b(pills?|tablets?|meds|"
    r"medication|packets?|bottles?|box|boxes|all of (it|them)|the lot|whole|bleach|poison|paracetamol|"
    r"tylenol|sleeping|something|a load|a bunch|more than (i|a) should)\b|"
    r"\b(overdosed|od'?d|od'?ed)\b|\bi (just )?od\b|\b(took|taken|had) (an|a) overdose\b")
INJURY_DONE = re.compile(
    r"\b(cut|slit|sliced|burned|burnt|stabbed|hurt)\b[^.!?]{0,30}\b(myself|maself|my (arm|arms|wrist|wrists|leg|"
    r"legs|thigh|thighs|skin))\b[^.!?]{0,40}\b(deep|bleeding|blood|bad|again|tonight|just now|stoppin|stopping)\b|"
    r"\b(won'?t|wont|doesn'?t|cant|can'?t|no) stop(pin|ping)? (the )?bleeding\b|\bbleeding (a lot|loads|everywhere)\b")
DATE = re.compile(
    r"\b(tonight|the night|tomorrow|tmrw|tmr|this (weekend|week)|next week|"
    r"(?<!\bevery )(?<!\blast )(?<!\bon a )(?<!\bpast )(on )?(monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)|after (the|my|his|her) [a-z']+( [a-z']+)?|on (my|his|her) birthday|"
    r"(that'?s|thats) when|by (the end of|morning)|the date|made (my|ma) mind up|i decided)\b")
GOODBYE = re.compile(
    r"\b((good)?bye|farewell) (everyone|all|forever|for good|world)\b|\bthis is (my )?goodbye\b|"
    r"(^|[.!,] ?)goodbye\W*$|\b(posted|saying|said|say) (a |my )?goodbyes?\b|"
    r"\b(wrote|written|writing|left|leave) (a |my |the )?(note|notes|letters?|goodbye)\b|"
    r"\b(gave|giving|give) (away )?(all )?(my|ma|away)\b[^.!?]{0,30}\b(away|stuff|things|cat|dog|clothes|tae|to)\b|"
    r"\b(sorted|sorting|made|wrote) (out )?my (will|affairs)\b|\btake care of (my|the|mummy|mum|mom|ma) ?"
    r"(cat|dog|kids|mum|mom|maw|boy|girl)?\b|\b(logging off|signing off) (forever|for good)\b|"
    r"\bsorry for everything\b|\blove (u|you) all\b")


# A goodbye for the night, or things given to charity: not the goodbyes of issue 12.
EVERYDAY_GOODBYE = re.compile(
    r"^(?!.*\b(forever|for good|never|last)\b).*\b(sleep|bed|good ?night|night night|see (you|ya|u)|"
    r"talk (to you )?(tomorrow|later|soon)|for now|next (week|time))\b|" + CONTEXTS["DONATING"])


def imminent_cue(message: str, dated: bool = True) -> bool:
    """The words say the danger is now: means at hand, something taken or done, a date, a goodbye."""
    everyday_means = re.search(CONTEXTS["MEANS_EVERYDAY"], message)
    at_hand = bool(WORDS_MEANS.search(message) and HERE_NOW.search(message)) and not everyday_means
    taken = INGESTION_DONE.search(message) and not everyday_means
    goodbye = GOODBYE.search(message) and not EVERYDAY_GOODBYE.search(message)
    cues = (at_hand, taken, INJURY_DONE.search(message), goodbye, dated and DATE.search(message))
    return any(cues)


def grade_words(message: str) -> str:
    """Severity of a hit only the risk scorer saw: imminent on an imminent cue, else moderate."""
    return "imminent" if imminent_cue(message.lower()) else "moderate"


def raise_to(severity: str, floor: str) -> str:
    return floor if severity_rank(floor) > severity_rank(severity) else severity


def step_up(severity: str) -> str:
    return SEVERITIES[min(severity_rank(severity) + 1, len(SEVERITIES) - 1)]


def grade(category: str, base: str, message: str, behaviour: bool = False,
          historical: bool = False) -> str:
    """Severity of one hit, from its rule's base and the (normalised) message."""
    now = bool(NOW.search(message))
    means = bool(MEANS.search(message))
    if category in SELF_DIRECTED and imminent_cue(message, dated=category != "passive_ideation"):
        return "imminent"
    if category == "passive_ideation" and re.search(r"\btonight\b", message):
        return "imminent"
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
