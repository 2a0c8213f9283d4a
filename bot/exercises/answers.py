"""Reading what a person typed as the answer a step asked for: numbers, options, list items.

People answer the way they talk ("box i guess", "the council one", "like 80", "5 or 6"): readers
strip hedges, match options by their words and aliases, and ask back instead of guessing a number
the person did not give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.exercises.scripts import Exercise, Step
from bot.exercises.wording import normalise

YES_WORDS = frozenset(
    ["yes", "yeah", "yep", "yea", "ya", "yup", "y", "sure", "definitely", "totally", "absolutely", "correct"]
    + ["right", "mostly"]
    + [
        "yes i have",
        "i have",
        "pretty much",
        "yeah pretty much",
        "i think so",
        "i guess so",
        "for sure",
        "that's right",
    ]
    + ["thats right", "yes please", "ok", "okay", "yeah i have", "yes mostly", "most days", "a lot", "yeah definitely"]
)
NO_WORDS = frozenset(
    ["no", "nah", "nope", "n", "never"]
    + ["not really", "no i haven't", "no i havent", "not at all", "no not really", "nah not really", "i haven't"]
    + ["i havent", "no never", "not lately", "no thanks", "no way"]
)
SOMETIMES_WORDS = frozenset(
    ["sometimes", "kinda", "occasionally"]
    + ["sort of", "kind of", "a bit", "a little", "on and off", "now and then", "some days", "here and there"]
    + ["every now and then", "from time to time", "now and again", "once or twice", "at times"]
)
OPTION_ALIASES = {"yes": YES_WORDS, "no": NO_WORDS, "sometimes": SOMETIMES_WORDS}
HEDGES = (
    "i guess",
    "i think",
    "i suppose",
    "i'd say",
    "id say",
    "probably",
    "maybe",
    "perhaps",
    "let's do",
    "lets do",
    "let's go with",
    "lets go with",
    "i'll go with",
    "ill go with",
    "go with",
    "i'll take",
    "ill take",
    "i'll try",
    "ill try",
    "i want",
    "i choose",
    "i pick",
    "please",
    "pls",
    "plz",
    "um",
    "umm",
    "hmm",
    "uh",
    "lol",
    "haha",
    "tbh",
    "i mean",
    "just",
)
FILLER = frozenset(
    ["the", "a", "an", "one", "ones", "option", "thing", "about", "with", "of", "to", "for", "my", "me", "that"]
    + ["this", "it", "bit", "and", "or"]
    # function words never pick an option: "what do you mean" shares "you" with "if it makes you dizzy"
    + ["you", "your", "i", "im", "is", "are", "am", "do", "does", "did", "what", "whats", "which", "how", "why"]
    + ["in", "on", "at", "if", "be", "was", "can", "could", "would", "should", "will", "so", "just", "mean"]
)
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4, "fifth": 5}
NUMBER_WORDS = {
    "zero": 0,
    "none": 0,
    "nothing": 0,
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
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
TEENS = {"eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17}
TEENS |= {"eighteen": 18, "nineteen": 19, "hundred": 100, "a hundred": 100, "one hundred": 100}
SAME_AS_BEFORE = re.compile(
    r"\b(same( as (before|earlier|then|last time|at the start))?|no change|unchanged|still the same)\b"
)
OUT_OF = re.compile(r"(?:/|\bout of\b)\s*(10|100)\b")


@dataclass(frozen=True)
class Clarify:
    """The answer needs a question back rather than a guess: `why` names the common.yml clarify.* lines;
    `choices` are numbers offered as buttons; `offered` is what a plain "yes" would then mean."""

    why: str
    choices: tuple[float, ...] = ()
    offered: float | None = None
    said: dict[str, float] = field(default_factory=dict)


def strip_hedges(said: str) -> str:
    for hedge in HEDGES:
        said = re.sub(rf"(^|\s){re.escape(hedge)}(?=\s|$)", " ", said)
    return " ".join(said.split())


def as_number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def numbers_in(text: str) -> list[float]:
    """Every number a person wrote, with '-1' kept negative and '7/10' read as 7."""
    cleaned = OUT_OF.sub(" ", text.lower().replace(",", "."))
    found = [float(match) for match in re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?", cleaned)]
    if found:
        return found
    words = normalise(cleaned).replace("-", " ").split()
    found, index = [], 0
    while index < len(words):
        word = words[index]
        if word in TENS:
            unit = words[index + 1] if index + 1 < len(words) else ""
            extra = NUMBER_WORDS.get(unit, 0) if unit not in ("none", "nothing", "zero", "ten") else 0
            found.append(float(TENS[word] + extra))
            index += 2 if extra else 1
            continue
        if word in TEENS:
            found.append(float(TEENS[word]))
        elif word in NUMBER_WORDS and not (word == "one" and index + 1 < len(words) and words[index + 1] == "hundred"):
            found.append(float(NUMBER_WORDS[word]))
        index += 1
    return found


def read_number(text: str, low: int, high: int, earlier: float | None = None) -> float | int | Clarify | None:
    """A number in [low, high] the person gave, a Clarify when they gave one we should ask about, or None.

    'same as before' is the earlier number when there is one; '5 or 6' asks which; out-of-range numbers
    are asked about (never clamped); '80' on a 0-10 scale asks whether they meant 8."""
    said = normalise(text)
    numbers = numbers_in(text)
    if not numbers:
        if SAME_AS_BEFORE.search(said):
            return as_number(earlier) if earlier is not None else Clarify("same_unknown")
        return None
    distinct = list(dict.fromkeys(numbers))
    if (
        len(distinct) == 2
        and re.search(r"\b(or|to|and|maybe)\b|-|–", text.lower())
        and all(low <= n <= high for n in distinct)
    ):
        return Clarify(
            "between", tuple(as_number(n) for n in sorted(distinct)), said={"a": distinct[0], "b": distinct[1]}
        )
    value = numbers[0]
    if low <= value <= high:
        return as_number(value)
    if value < low:
        return Clarify("below", (low,), said={"number": as_number(value)})
    if high == 10 and 10 < value <= 100 and value % 10 == 0 and value != 100:
        return Clarify(
            "out_of_100",
            (value / 10,),
            offered=value / 10,
            said={"number": as_number(value), "scaled": as_number(value / 10)},
        )
    return Clarify("above", (high,), said={"number": as_number(value)})


def is_yes(text: str) -> bool:
    """'yes', 'yeah pretty much', 'yes thats it'; never 'yes and no' or 'sort of'."""
    said = normalise(text)
    if strip_hedges(said) in YES_WORDS or said in YES_WORDS:
        return True
    return yes_no_sometimes(said) == "yes" or said.startswith(("thats it", "that's it", "thats the one", "that one"))


LEADING_JOINER = re.compile(r"^(?:(?:oh|and|also|plus|n)\s+)+(?=\S)", re.IGNORECASE)


def split_items(text: str) -> list[str]:
    parts = re.split(r"\n|;|,|\s+/\s+", text)
    items = [re.sub(r"^\s*(?:\d+[.)]|[-•*])\s*", "", part).strip() for part in parts]
    items = [LEADING_JOINER.sub("", item) for item in items]  # "..., and my neighbour", "also my gran"
    return [item for item in items if item]


def content_words(text: str) -> set[str]:
    words = {word.rstrip("s") if len(word) > 4 else word for word in normalise(text).replace("-", " ").split()}
    return {word for word in words if word not in FILLER and len(word) > 1}


def _stems(words: set[str]) -> set[str]:
    return {word[:5] for word in words if len(word) >= 4} | words


def ordinal(said: str, count: int) -> int | None:
    """1-based position for 'the first one', '2', 'the last one', 'number 3', 'second option'."""
    words = [word for word in said.split() if word not in ("the", "one", "option", "number", "no", "please")]
    if len(words) != 1 or not count:
        return None
    word = words[0]
    if word == "last":
        return count
    position = ORDINALS.get(word) or (int(word) if word.isdigit() else None)
    return position if position is not None and 1 <= position <= count else None


def best_by_words(said: str, candidates: list[tuple[str, str]]) -> str | None:
    """The one candidate (key, words) sharing the most content words with what was said; None on a tie."""
    wanted = _stems(content_words(said))
    if not wanted:
        return None
    scores = [(len(wanted & _stems(content_words(words))), key) for key, words in candidates]
    scores = [score for score in scores if score[0] > 0]
    if not scores:
        return None
    scores.sort(reverse=True)
    if len(scores) > 1 and scores[0][0] == scores[1][0] and scores[0][1] != scores[1][1]:
        return None
    return scores[0][1]


def compact(text: str) -> str:
    """'4 7 8', '4-7-8' and '478' alike."""
    return re.sub(r"[\s\-/]", "", text)


def with_digits(said: str) -> str:
    """'four rounds' -> '4 rounds' ('one' only when it is the whole count: 'one', 'one round')."""
    words = said.split()
    counted = [str(NUMBER_WORDS[w]) if w in NUMBER_WORDS and w not in ("one", "none", "nothing") else w for w in words]
    if words[:1] == ["one"] and len(words) <= 2:
        counted[0] = "1"
    return " ".join(counted)


def match_options(step: Step, text: str) -> str | list[str] | None:
    if not step.multiple:
        return match_option(step, normalise(text))
    wanted = [normalise(part) for part in re.split(r",|\band\b|;|\+|&", text)]
    picked = [value for part in wanted if (value := match_option(step, part))]
    if not picked:
        return None
    return list(dict.fromkeys(picked))


def yes_no_sometimes(said: str) -> str | None:
    """'most days yeah' is yes, 'sometimes yeah' is sometimes, 'no not really' is no; mixed is unclear."""
    padded = f" {said} "
    if any(f" {phrase} " in padded for phrase in SOMETIMES_WORDS):
        return "sometimes"
    words = set(said.split())
    yes = bool(words & {"yes", "yeah", "yep", "yup", "ya", "yea", "definitely", "mostly"}) or any(
        f" {phrase} " in padded for phrase in ("most days", "pretty much", "every day", "a lot", "all the time")
    )
    no = bool(words & {"no", "nope", "nah", "never"}) or " not really " in padded or " not at all " in padded
    if yes != no:
        return "yes" if yes else "no"
    return None


def match_option(step: Step, said: str) -> str | None:
    if not said:
        return None
    plain = strip_hedges(said)
    bare = plain.removeprefix("the ").removesuffix(" one").strip()
    for candidate in dict.fromkeys((said, plain, bare, with_digits(bare))):
        for index, option in enumerate(step.options, start=1):
            names = {normalise(option["value"]), normalise(option["label"]), str(index)}
            names |= {normalise(alias) for alias in option.get("says", "").split("|") if alias}
            names |= OPTION_ALIASES.get(option["value"], set())
            if candidate in names or compact(candidate) in {compact(name) for name in names}:
                return option["value"]
    position = ordinal(plain, len(step.options))
    if position is not None:
        return step.options[position - 1]["value"]
    for option in step.options:
        label = normalise(option["label"])
        if len(plain) >= 3 and (plain in label or label in plain):
            return option["value"]
    words = [
        (option["value"], f"{option['label']} {option.get('says', '').replace('|', ' ')} {option.get('explain', '')}")
        for option in step.options
    ]
    values = {option["value"] for option in step.options}
    if values >= {"yes", "no"}:  # yes/no questions are read by their yes and no words, never guessed
        meant = yes_no_sometimes(plain)
        return meant if meant in values else None
    return best_by_words(plain, words)


def match_own_item(items: list[str], text: str) -> str | None:
    said = strip_hedges(normalise(text))
    if not said or not items:
        return None
    position = ordinal(said, len(items))
    if position is not None:
        return items[position - 1]
    for item in items:
        if said in normalise(item) or normalise(item) in said:
            return item
    return best_by_words(said, [(item, item) for item in items])


def parse_number(text: str, low: int, high: int) -> float | int | None:
    """A number in [low, high] the person clearly gave, else None (no clarifying question)."""
    value = read_number(text, low, high)
    return None if value is None or isinstance(value, Clarify) else value


def match_exercise(text: str, offered: list[Exercise]) -> str | None:
    """The exercise a person means, as they say it: 'the first one' (of those offered), 'box i guess',
    'the setback one', 'learning from a setback'. None when nothing fits or two fit equally."""
    said = strip_hedges(normalise(text))
    if not said or not offered:
        return None
    position = ordinal(said, len(offered))
    if position is not None:
        return offered[position - 1].id
    padded = f" {said} "
    named = [
        exercise.id
        for exercise in offered
        if any(f" {normalise(name)} " in padded for name in (exercise.title, exercise.call_it, *exercise.says))
    ]
    if len(set(named)) == 1:
        return named[0]
    words = [(exercise.id, f"{exercise.title} {' '.join(exercise.says)}") for exercise in offered]
    return best_by_words(said, words)
