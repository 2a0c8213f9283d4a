"""A small pattern language for risk rules, compiled to spaCy Matcher patterns.

A pattern is a string of space-separated token specs, matched on lemmas of the normalised
text (so "kill myself" also matches "killed myself" and "killing myself"):

  word        a token whose lemma is word's lemma
  a/b/c       any of the alternatives
  =word       exact lower-case form, no lemma ("=killing me" does not match "kill me")
  @GROUP      any word of a named group (GROUPS below)
  spec?       optional token
  #NUM        a number ("20", "twenty")
  *           any 0-2 tokens;  **  any 0-4 tokens
  {MACRO}     any of several multi-word phrases (MACROS below); expands to several patterns

Example: "{INTEND} kill @REFL" matches "i'm going to kill myself", "i will kill myself", ...
"""

from __future__ import annotations

import itertools

from bot.risk.pipeline import lemma

# Medicines people name when they have taken or saved them (names only, no doses).
MEDICINES = ("codeine", "morphine", "insulin", "sertraline", "fluoxetine", "citalopram", "prozac", "tylenol",
             "panadol", "ibuprofen", "aspirin", "oxy", "percs", "benzos", "xanax", "diazepam", "valium", "seroquel",
             "quetiapine", "lithium", "prazosin", "acetaminophen", "co-codamol", "tramadol")

GROUPS: dict[str, tuple[str, ...]] = {
    "REFL": ("myself", "meself"),
    "ME": ("me",),
    # People someone might threaten to hurt.
    "TARGET": ("him", "her", "them", "someone", "somebody", "people", "everyone",
               "everybody", "anyone", "anybody", "others"),
    "REL": ("dad", "mom", "mum", "mother", "father", "stepdad", "stepmom", "stepmum",
            "stepfather", "stepmother", "brother", "sister", "boss", "teacher", "ex",
            "boyfriend", "girlfriend", "husband", "wife", "partner", "roommate", "flatmate",
            "neighbour", "neighbor", "baby", "kid", "son", "daughter", "child", "classmate",
            "coworker", "colleague", "family", "parent", "grandma", "grandpa", "uncle",
            "aunt", "cousin", "friend", "bully", "manager", "stepbrother", "stepsister", "lecturer", "tutor",
            "professor", "landlord"),
    "THAT_PERSON": ("guy", "girl", "kid", "man", "woman", "teacher", "bitch", "bastard",
                    "dude", "person", "boy", "senior", "lad", "bloke", "fella", "prick", "twat", "idiot",
                    "asshole", "arsehole", "cunt", "banker", "scammer"),
    # Family members whose abuse puts the person (or a child) in danger.
    "FAMILY_VICTIM": ("mom", "mum", "mother", "sister", "brother", "son", "daughter", "baby",
                      "kid", "child", "sibling", "niece", "nephew", "cousin", "grandma", "nan"),
    "VIOLENT": ("kill", "hurt", "stab", "shoot", "murder", "strangle", "attack", "poison",
                "beat", "choke"),
    "ABUSE_VERB": ("hit", "beat", "batter", "punch", "kick", "slap", "choke", "strangle", "hurt",
                   "shove", "burn", "attack", "abuse", "rape", "molest", "touch", "threaten",
                   "stalk", "follow", "smack", "whip", "grope", "assault", "push", "harass"),
    "PILLS": ("pill", "pills", "meds", "med", "medication", "tablet", "tablets", "painkiller",
              "painkillers", *MEDICINES),
    # What a person might use on themselves (issue 12's "means": generic words only, no method detail).
    "MEANS": ("pill", "pills", "meds", "medication", "tablet", "tablets", "painkiller", "painkillers",
              "antidepressant", "antidepressants", "paracetamol", "prescription", "rope", "gun", "rifle",
              "blade", "blades", "razor", "poison", "pesticide", "bleach", "noose", "pistol", "shotgun", "weapon",
              "weedkiller", "antifreeze", *MEDICINES),
    "HIGH_PLACE": ("bridge", "roof", "rooftop", "ledge", "cliff", "balcony", "tracks", "overpass", "footbridge",
                   "viaduct", "multistorey"),
    "END_VERB": ("end", "stop", "be"),
    "TIRED": ("tired", "sick", "done", "exhausted"),
    "BODY": ("arm", "arms", "wrist", "wrists", "leg", "legs", "thigh", "thighs", "stomach",
             "skin", "hip", "hips", "hand", "hands", "knuckles", "chest", "ankle", "ankles"),
    "METHOD_VERB": ("hang", "drown", "shoot", "poison", "suffocate", "electrocute", "gas",
                    "strangle", "end", "overdose"),
    "KIDS": ("kid", "kids", "child", "children", "baby", "babies", "son", "daughter", "student",
             "students", "pupil", "pupils"),
    # Things that "die" when their battery runs out, or plants.
    "DEVICE": ("phone", "laptop", "battery", "plant", "plants", "car", "charger", "tablet",
               "computer", "console", "pc", "ipad", "iphone", "headphones", "airpods",
               "controller", "kindle", "macbook"),
}

MACROS: dict[str, tuple[str, ...]] = {
    "INTEND": ("=going to", "will", "be about to", "plan to", "decide to", "be ready to",
               "make up my mind to", "be finally =going to"),
    "DESIRE": ("want to", "wish to", "wish i could", "need to", "would like to", "feel like",
               "think about", "think of", "urge to", "urges to", "tempt to", "consider"),
    "EVERYONE": ("everyone", "everybody", "my family", "my friends", "my parents", "people",
                 "they", "the world", "my kids", "my mom", "my mum", "my dad", "them all",
                 "my partner", "my husband", "my wife", "my girlfriend", "my boyfriend", "it"),
    "NOBODY": ("nobody", "no one", "noone", "no body"),
    "NOT": ("not", "never", "no longer"),
}


def _token_spec(spec: str) -> dict:
    optional = spec.endswith("?") and len(spec) > 1
    spec = spec[:-1] if optional else spec
    if spec == "*":
        token: dict = {"OP": "{0,2}"}
    elif spec == "**":
        token = {"OP": "{0,4}"}
    elif spec == "#NUM":
        token = {"LIKE_NUM": True}
    elif spec.startswith("="):
        token = {"LOWER": {"IN": spec[1:].split("/")}}
    else:
        token = {"LEMMA": {"IN": sorted({lemma(word) for word in _words(spec)})}}
    if optional:
        token["OP"] = "?"
    return token


def _words(spec: str) -> list[str]:
    """The words of an alternatives spec; "@GROUP" parts stand for the group's words."""
    words: list[str] = []
    for part in spec.split("/"):
        words += GROUPS[part[1:]] if part.startswith("@") else [part]
    return words


def expand_macros(pattern: str) -> list[str]:
    """All plain patterns a pattern with {MACRO}s stands for."""
    parts = pattern.split()
    choices = [MACROS[part[1:-1]] if part.startswith("{") else (part,) for part in parts]
    return [" ".join(combo) for combo in itertools.product(*choices)]


def compile_pattern(pattern: str) -> list[list[dict]]:
    """spaCy Matcher patterns for one pattern string (several when it uses macros)."""
    return [[_token_spec(spec) for spec in plain.split()] for plain in expand_macros(pattern)]
