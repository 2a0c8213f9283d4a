"""Text normalisation for risk matching, keeping a map back to the original characters.

Steps, in order (each one keeps, for every output character, the span of original
characters it came from, so a match in normalised text maps back to the original):

1. lower case; curly apostrophes and quotes, back-ticks and odd dashes become ' " -
2. spaced-out or dotted letters that spell a watched word: "s u i c i d e" -> "suicide"
3. obfuscated watched words: "su1c1de", "s*icide", "$uicide", "k1ll" -> "suicide", "kill"
4. letters repeated for emphasis: "sooooo" -> "so", "dieeee" -> "die", "kiiiill" -> "kill";
   valid doubles stay ("good", "sleep", "too") because a candidate is checked against a
   word list (spaCy's English lemma tables and stop words)
5. chat spellings: "kms" -> "kill myself", "kys" -> "kill yourself", "ctb" -> "kill myself",
   "unalive" -> "kill", "sewerslide" -> "suicide", "rn" -> "right now", "im" -> "i'm",
   "wanna" -> "want to", "ill be" -> "i'll be", "my self" -> "myself" (but not in
   "my self harm"), ... (CHAT_SPELLINGS below)
6. Scots and northern English spellings: "masel" -> "myself", "tae" -> "to", "cannae" -> "can't",
   "a'm" -> "i'm", "ah want" -> "i want", "ma heid" -> "my head", "a'll no be" -> "i'll not be", ...
   (DIALECT_SPELLINGS below);
   a dropped g is put back when that makes a known word: "killin" -> "killing", "thinkin'" -> "thinking"
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'", "`": "'",
    "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u200b": "",
}

# Words worth decoding when spelled with digits, symbols or spaces to dodge filters.
WATCHED_WORDS = frozenset({
    "suicide", "suicidal", "kill", "killing", "killed", "myself", "die", "dying", "dead",
    "death", "harm", "self", "cut", "cutting", "hurt", "rape", "raped", "abuse", "abused",
    "overdose", "unalive", "kms", "kys",
})
_LEET = {"1": "[il]", "!": "[il]", "3": "e", "0": "o", "4": "a", "@": "a", "$": "s",
         "5": "s", "7": "t", "*": "[a-z]"}

# Whole-word chat spellings (matched after lower-casing), replacement text.
CHAT_SPELLINGS: dict[str, str] = {
    "kms": "kill myself", "kys": "kill yourself", "ctb": "kill myself",
    "sewerslide": "suicide", "sewer slide": "suicide", "sewer-slide": "suicide",
    "suicde": "suicide", "sucide": "suicide", "suiside": "suicide", "suicid": "suicide",
    "suicidel": "suicidal", "sucidal": "suicidal", "suisidal": "suicidal",
    "unalived": "killed", "unaliving": "killing",
    "selfharm": "self harm", "self-harm": "self harm", "selfharmed": "self harmed",
    "selfharming": "self harming", "self-harming": "self harming", "self-harmed": "self harmed",
    "self-injury": "self injury", "myslef": "myself", "mysef": "myself",
    "od'd": "overdosed", "oded": "overdosed", "od": "overdose", "overdosd": "overdosed", "ovrdosed": "overdosed",
    "rn": "right now", "tonite": "tonight", "2nite": "tonight", "2night": "tonight", "tonights": "tonight's",
    "tmrw": "tomorrow", "tmr": "tomorrow", "tmrow": "tomorrow", "2moro": "tomorrow",
    "2morrow": "tomorrow", "im": "i'm", "ive": "i've", "id": "i'd", "dont": "don't",
    "cant": "can't", "wont": "won't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't",
    "wasnt": "wasn't", "werent": "weren't", "arent": "aren't", "havent": "haven't",
    "hasnt": "hasn't", "wouldnt": "wouldn't", "couldnt": "couldn't", "shouldnt": "shouldn't",
    "wanna": "want to", "gonna": "going to", "gotta": "got to", "tryna": "trying to",
    "kinda": "kind of", "u": "you", "ur": "your", "ppl": "people", "bc": "because",
    "cuz": "because", "coz": "because", "idk": "i don't know", "ngl": "not going to lie",
    "tbh": "to be honest", "pls": "please", "plz": "please", "bf": "boyfriend",
    "gf": "girlfriend", "thats": "that's", "whats": "what's", "theres": "there's",
    "hes": "he's", "shes": "she's", "theyre": "they're", "youre": "you're", "r": "are",
    "sh-ing": "self harming", "sh'ing": "self harming", "sh-ed": "self harmed", "sh'd": "self harmed",
}
# Whole-word Scots and northern English spellings (issue 12: UK slang), replacement text.
DIALECT_SPELLINGS: dict[str, str] = {
    "masel": "myself", "maself": "myself", "mysel": "myself", "meself": "myself", "mesel": "myself",
    "a'm": "i'm", "a've": "i've", "a'll": "i'll", "a'd": "i'd",
    "ah'm": "i'm", "ah've": "i've", "ah'll": "i'll", "ah'd": "i'd",
    "tae": "to", "intae": "into", "wi": "with", "fae": "from", "efter": "after", "ower": "over",
    "aboot": "about", "oot": "out", "hoose": "house", "heid": "head", "deid": "dead", "hame": "home",
    "mair": "more", "naebody": "nobody", "nae cunt": "nobody", "naecunt": "nobody", "naw": "no",
    "dinnae": "don't", "cannae": "can't",
    "wouldnae": "wouldn't", "widnae": "wouldn't", "didnae": "didn't", "isnae": "isn't", "wasnae": "wasn't",
    "couldnae": "couldn't", "shouldnae": "shouldn't", "disnae": "doesn't", "havenae": "haven't",
    "gonnae": "going to", "wantae": "want to", "wid": "would", "dae": "do", "daein": "doing", "gie": "give",
    "wis": "was", "ye": "you", "yer": "your", "o": "of", "the morra": "tomorrow", "the now": "right now",
}
_ILL = re.compile(r"\bill(?=\s+(be|never|just|probably|kill|end|do|go|die|try|make|have|"
                  r"take|jump|cut|hurt|not|always)\b)")
_MY_SELF = re.compile(r"\bmy self\b(?![- ]?(harm|injur))")  # "my self harm" stays
# Scots "ah" / "a" for "I", only before words that show it ("a want tae die", not "a want of").
_DIALECT_I = re.compile(
    r"\b(?:ah\b(?=\s+(?:want|wish|cannae|can't|cant|dinnae|don't|dont|didnae|didn't|wouldnae|widnae|couldnae|"
    r"just|keep|think|know|took|swallowed|cut|hope|really|never|wid|would|will|am|hate|feel|need|have|had|was|"
    r"wis|should|shouldnae|love|miss|dunno)\b)|a\b(?=\s+(?:want|wantae|cannae|dinnae|didnae|wouldnae|widnae|"
    r"couldnae|keep|know|took|swallowed|wid|am|wis|shouldnae|should|could|dunno|went)\b)"
    r"|(?<=\beverything )a(?= need\b)|(?<=\bwhat )a(?= need\b))")
# Scots "ma" for "my", but not "me ma", "my ma" or "ma said" (mother).
_DIALECT_MY = re.compile(r"(?<!\bme )(?<!\bmy )(?<!\byer )(?<!\byour )(?<!\bthe )(?<!\bher )(?<!\bhis )"
                         r"\bma\b(?=\s+(?!(?:and|an|is|was|will|would|said|says|has|had|she|he|they|i|you|it|that|to|at|in)\b)[a-z])")
# Scots "no" for "not" after an auxiliary: "a'll no be here", "a'm no coping".
_DIALECT_NOT = re.compile(r"((?:'ll|'m|'d|'ve|\bill|\bwill|\bwould|\bcan|\bcould|\bdid|\bdo|\bam|\bis|\bwas) )no"
                          r"(?= (?:be|go|get|make|wake|see|do|stop|have|last|cope|coping|manage|managing|safe|okay|ok|"
                          r"well)\b)")
_DROPPED_G = re.compile(r"\b[a-z]{2,}in(?:'|\b)")
_UNALIVE = re.compile(r"\bunalive\b(?!\s+(?:my|your|him|her|them|me|the|our|his|their|myself|yourself|"
                      r"himself|herself|themselves|ourselves)\b)")

# Short chat words that are not in the lemma tables but must not be "corrected".
_CHAT_VOCAB = frozenset({"lol", "lmao", "omg", "hi", "bye", "ok", "okay", "haha", "yes", "no"})


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, per character, the original span [starts[i], ends[i])."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text to the original text."""
        if not self.text or start >= end:
            return (0, 0)
        return (self.starts[start], self.ends[end - 1])


class _Chars:
    """A mutable string with per-character original spans."""

    def __init__(self, chars: list[str], starts: list[int], ends: list[int]) -> None:
        self.chars, self.starts, self.ends = chars, starts, ends

    @property
    def text(self) -> str:
        return "".join(self.chars)

    def substitute(self, pattern: re.Pattern, replace: Callable[[re.Match], str | None]) -> None:
        """Replace regex matches; replace() returns the new text, or None to keep the match.

        Every new character maps to the whole original span of the replaced text.
        """
        text = self.text
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        last = 0
        for match in pattern.finditer(text):
            new = replace(match)
            if new is None:
                continue
            a, b = match.span()
            chars += self.chars[last:a]
            starts += self.starts[last:a]
            ends += self.ends[last:a]
            if a < b:
                orig_start, orig_end = self.starts[a], self.ends[b - 1]
            else:
                orig_start = orig_end = self.starts[a] if a < len(self.starts) else 0
            chars += list(new)
            starts += [orig_start] * len(new)
            ends += [orig_end] * len(new)
            last = b
        chars += self.chars[last:]
        starts += self.starts[last:]
        ends += self.ends[last:]
        self.chars, self.starts, self.ends = chars, starts, ends


def _lower_and_map(text: str) -> _Chars:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        mapped = _CHAR_MAP.get(char, char).lower()
        for piece in mapped:
            chars.append(piece)
            starts.append(index)
            ends.append(index + 1)
    return _Chars(chars, starts, ends)


_SPACED = re.compile(r"\b(?:[a-z][.\-_ ]){3,}[a-z]\b")
_OBFUSCATED = re.compile(r"(?<![\w@$!*])[a-z0-9@$!*]*[a-z][a-z0-9@$!*]*(?![\w@$!*])")
_REPEATS = re.compile(r"\b[a-z]*([a-z])\1[a-z]*\b")
_RUN = re.compile(r"([a-z])\1+")


def _join_spaced(match: re.Match) -> str | None:
    joined = re.sub(r"[.\-_ ]", "", match.group(0))
    return joined if joined in WATCHED_WORDS else None


def _decode_obfuscated(match: re.Match) -> str | None:
    word = match.group(0)
    if not any(char in _LEET for char in word) or sum(char.isalpha() for char in word) < 2:
        return None
    pattern = re.compile("".join(_LEET.get(char, re.escape(char)) for char in word))
    for candidate in WATCHED_WORDS:
        if pattern.fullmatch(candidate):
            return candidate
    return None


def _collapse_candidates(word: str) -> Iterable[str]:
    """Spellings of word with each run of a repeated letter cut to two or one letters.

    Candidates keeping more doubles come first ("goood" -> "good" before "god").
    """
    pieces = [(m.group(1), len(m.group(0))) for m in _RUN.finditer(word)]
    if not pieces or len(pieces) > 4:
        return []
    gaps = _RUN.split(word)[::2]
    options = []
    for choice in itertools.product((2, 1), repeat=len(pieces)):
        if all(n <= length for n, (_, length) in zip(choice, pieces, strict=True)):
            options.append(choice)
    options.sort(key=lambda choice: -sum(choice))
    return [
        "".join(gap + letter * n for gap, (letter, _), n in zip(gaps, pieces, choice, strict=False)) + gaps[-1]
        for choice in options
    ]


def _make_collapser(vocabulary: frozenset[str]) -> Callable[[re.Match], str | None]:
    def collapse(match: re.Match) -> str | None:
        word = match.group(0)
        has_triple = _RUN.search(word) and any(len(m.group(0)) >= 3 for m in _RUN.finditer(word))
        if not has_triple and (word in vocabulary or word in CHAT_SPELLINGS):
            return None
        for candidate in _collapse_candidates(word):
            if candidate in vocabulary:
                return candidate if candidate != word else None
        if has_triple:
            return _RUN.sub(lambda m: m.group(1), word)
        return None

    return collapse


def _whole_words(spellings: dict[str, str], then: str = r"(?![\w'])") -> re.Pattern:
    keys = sorted(spellings, key=len, reverse=True)
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(key) for key in keys) + r")" + then)


_CHAT = _whole_words(CHAT_SPELLINGS)
_DIALECT = _whole_words(DIALECT_SPELLINGS, r"(?:(?![\w'])|(?='s\b))")  # "heid's" too


def _make_g_restorer(vocabulary: frozenset[str]) -> Callable[[re.Match], str | None]:
    """"killin" -> "killing", "thinkin'" -> "thinking": only when the g makes a known word."""
    def restore(match: re.Match) -> str | None:
        word = match.group(0).rstrip("'")
        if word in vocabulary and not match.group(0).endswith("'"):
            return None
        return word + "g" if word + "g" in vocabulary else None

    return restore


class Normalizer:
    """Normalises chat text. vocabulary: known English words (for repeated-letter repair)."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(vocabulary) | _CHAT_VOCAB | WATCHED_WORDS
        self._collapse = _make_collapser(self.vocabulary)
        self._restore_g = _make_g_restorer(self.vocabulary)

    def __call__(self, text: str) -> Normalized:
        chars = _lower_and_map(text)
        chars.substitute(_SPACED, _join_spaced)
        chars.substitute(_OBFUSCATED, _decode_obfuscated)
        chars.substitute(_REPEATS, self._collapse)
        chars.substitute(_DROPPED_G, self._restore_g)
        chars.substitute(_DIALECT_I, lambda match: "i")
        chars.substitute(_DIALECT_MY, lambda match: "my")
        chars.substitute(_DIALECT, lambda match: DIALECT_SPELLINGS[match.group(0)])
        chars.substitute(_DIALECT_NOT, lambda match: match.group(1) + "not")
        chars.substitute(_ILL, lambda match: "i'll")
        chars.substitute(_MY_SELF, lambda match: "myself")
        chars.substitute(_UNALIVE, lambda match: "kill myself")
        chars.substitute(_CHAT, lambda match: CHAT_SPELLINGS[match.group(0)])
        chars.substitute(re.compile(r"\bunalive\b"), lambda match: "kill")
        return Normalized(chars.text, tuple(chars.starts), tuple(chars.ends))
