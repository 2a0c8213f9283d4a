"""Guards: why a candidate match is NOT risk about the person writing.

Each guard returns a reason "<kind>:<text>" or None. Kinds:
  negation     "i'm not suicidal", "i would never kill myself", "no thoughts of self harm",
               "suicidal? no". Hedges are not negations ("not gonna lie", "not sure i want to
               live", "can't stop thinking about"). A second negation before a reporting verb
               cancels the first ("i never said i wasn't going to hurt myself" -> risk).
  idiom        "this exam is killing me", "i'd kill for a coffee", "dying laughing", ...;
               feelings that "hit" or "hurt" ("losing my dad is really hitting me")
  third_party  somebody else ("my friend died by suicide years ago", "she wants to die").
               Abuse of somebody else still counts when a child is involved ("her dad hurts
               her" about "my little cousin") or it is happening now ("he's hitting her right
               now"): somebody is in danger. Said about the past it is support talk.
  historical   long ago ("used to", "years ago", "when i was 16", "when she was little")
  accident     "cut myself shaving", "hurt myself playing football", "reaching in the sink"
  hyperbole    jokes around violent words ("i'm gonna kill my sister lol", "i could kill him"),
               unless the message says it is no joke ("not joking", "i'm serious", "for real")
  topic        talk about suicide as a subject (film, song, essay, awareness, hotline)
  gaming       "i killed him in fortnite", "my teammates were abusing me" in a game
  question     "my therapist asked if i was suicidal"
  context      a rule's own exclusion ("giving away my old clothes to charity")
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

SENTENCE_BREAKS = frozenset({".", "!", "?", ";", "but", "however", "though", "although"})
CLAUSE_BREAKS = SENTENCE_BREAKS | {",", ":", "-", "—", "..."}

NEGATORS = frozenset({"not", "never", "no", "nobody", "noone", "none", "neither", "nor",
                      "nothing"})
# Words that may stand between a negation and what it negates.
NEGATION_BRIDGE = frozenset({
    "be", "really", "even", "actually", "ever", "at", "all", "that", "so", "feel", "have",
    "any", "thought", "of", "about", "go", "going", "to", "plan", "think", "want", "do", "get",
    "try", "just", "currently", "anymore", "would", "will", "could", "should", "can",
    "intention", "intend", "desire", "urge", "wish", "need", "one", "being", "like",
    "seriously", "honestly", "a", "an", "the", "suicidal", "self", "harm", "harmed", "once",
})
# "not" followed by these words is a hedge, not a negation.
HEDGES = (("sure",), ("going", "to", "lie"), ("go", "to", "lie"), ("stop",), ("help",),
          ("wait",), ("only",), ("know",), ("even", "know"), ("okay",), ("ok",), ("fine",),
          ("alright",), ("coping",), ("doing", "well"), ("doing", "ok"), ("doing", "okay"),
          ("one", "would"), ("one", "will"), ("body", "would"), ("body", "will"),
          ("longer",))
REPORTING = frozenset({"say", "tell", "promise", "mean", "claim", "admit", "said", "swear"})
POST_NEGATION = frozenset({"no", "nah", "nope", "not", "never"})

FIRST_PERSON = frozenset({"i", "we"})
SELF_PARTS = frozenset({"mind", "brain", "head", "thought", "voice", "voices", "body"})
CHILDREN = frozenset({"kid", "kids", "child", "children", "baby", "babies", "toddler", "infant",
                      "son", "daughter", "stepson", "stepdaughter", "niece", "nephew", "sibling",
                      "siblings", "boy", "girl", "student", "students", "pupil", "pupils"})
# "my little brother", "my baby cousin": a child.
YOUNG = frozenset({"little", "younger", "baby", "kid"})
PEOPLE = frozenset({
    "he", "she", "they", "someone", "somebody", "you", "people", "friend", "friends",
    "bf", "gf", "boyfriend", "girlfriend", "husband", "wife", "partner", "mom", "mum",
    "mother", "dad", "father", "stepdad", "stepmom", "stepmum", "stepfather", "stepmother",
    "brother", "sister", "uncle", "aunt", "auntie", "cousin", "grandma", "grandpa", "grandad",
    "granddad", "grandmother", "grandfather", "nan", "teacher", "boss", "coach", "neighbour",
    "neighbor", "roommate", "flatmate", "classmate", "classmates", "coworker", "colleague",
    "guy", "man", "woman", "person", "character", "villain", "hero", "protagonist", "actor",
    "singer", "celebrity", "ex", "therapist", "doctor", "parent", "parents", "family", "bully",
    "bullies", "stranger", "men", "manager", "stepbrother", "stepsister", "everyone",
    "everybody", "guys", "lady", "dude", "rapper", "youtuber", "streamer", "williams",
    "husband's", "cops", "police", "landlord", "pastor", "priest", "coworkers", "relative", "da", "maw",
    "mam", "farmers", "veterans", "soldiers", "nurses", "doctors", "teens", "teenagers", "mates", "lads",
    "boys", "girls", "students",
}) | CHILDREN
THINGS = frozenset({"it", "its", "this", "that", "which", "what", "there"})  # "its": it's

LAUGHING = re.compile(r"\b(lol|lmao|lmfao|rofl|haha\w*|hehe|jk|just kidding|kidding)\b|"
                      r"[\U0001F602\U0001F923\U0001F480\U0001F606\U0001F605]")
HISTORICAL = re.compile(
    r"\b(years ago|year ago|used to|as a (kid|child|teen|teenager)|in (high|middle) school|"
    r"back in|in (19|20)\d\d|long time ago|ages ago|when i was( a| in| \d+| little| young\w*)?|long back|back then|"
    r"in (college|uni|university|my (teens|twenties|20s))|"
    r"when (he|she|they) (was|were) (a (kid|child|baby|teen\w*)|little|young\w*|\d+))\b")
ACCIDENT = re.compile(
    r"\b(shav\w*|cook\w*|chopp\w*|bak\w*|playing|play|practi[cs]e|training|gym|lifting|lift|"
    r"running|skat\w*|fell|falling|tripped|trip|slipp\w*|accident\w*|by mistake|iron|stove|oven|"
    r"pan|kettle|football|soccer|basketball|rugby|hik\w*|climb\w*|bik\w*|making|workout|"
    r"sports?|paper|knife while|shaving|washing up|(doing|washing) the dishes|"
    # how it happened, right after the injury: "cut myself reaching in the sink"
    r"(myself|my \w+) (while |when )?(reaching (in|into|under|behind|inside|across|over)|"
    r"opening (a|the) (tin|can|box|parcel|package|jar)|on (a |an |the |some )?(broken )?"
    r"(glass|tin|can|tap|door|corner|nail|fence|shelf|drawer|grater|lid|jar|radiator|thorns?)))\b")
ON_PURPOSE = re.compile(r"on purpose|deliberately|intentionally|to feel|to punish|to cope|"
                        r"(say|said|tell|told|pretend\w*)( \w+)? (it was|it's|its|that it was) an accident|"
                        r"make it look like an accident")
TOPIC = re.compile(
    r"\b(movie|film|show|series|episode|season|book|novel|song|lyrics?|album|band|speech|"
    r"play|character|documentary|podcast|essay|article|news|class|lesson|lecture|research|"
    r"awareness|prevention|hotlines?|helplines?|squad|rates?|statistics|stats|month|campaign|"
    r"charity|volunteer\w*|fundraiser|course|survivors?|hamlet|paper|project|studies|study|"
    r"reasons why|poem|meme|game|difference between|what (is|are|does)|meaning of|definition|symptoms?|signs? of)\b")
ADJACENT_TOPIC = re.compile(
    r"^(prevention|awareness|hotlines?|helplines?|squad|rates?|statistics|stats|month|"
    r"survivors?|lines?|crisis line|bomb\w*|forest|doors?|note in the (film|book)|mission|run|pass|move|build)")
GAMING = re.compile(
    r"\b(fortnite|minecraft|roblox|valorant|overwatch|cod|call of duty|apex|elden ring|"
    r"game|gaming|level|respawn\w*|ps5|xbox|quest|npc|raid|pvp|lobby|mario|zelda|gta|"
    r"league|match|headshot|sniper|boss fight|warzone|dungeon|chess|cards|tennis|darts|pool|"
    r"ping pong|arm wrestl\w*|race|mario kart)\b")
# Saying it is no joke: cancels the hyperbole guard, not the idiom guards.
EARNEST = re.compile(
    r"(\bnot|n't|\bnever) (even )?(joking|kidding)\b|\b(no|not a) joke\b|"
    r"\bi('m| am)( being)?( dead| deadly| so| completely| totally)? serious\b|"
    r"\bfor real\b|\bfr\b|\bi mean it\b(?!')")
# Fearing to lose control is no joke: "i could snap and kill someone".
LOSING_CONTROL = re.compile(r"\b(snap|lose it|lose control|losing control|scared i|afraid i|worried i)\b")
# Somebody else being hurt is somebody in danger when a child is involved or it is happening now.
CHILD_CONTEXT = re.compile(
    r"\b(kids?|child|children|bab(y|ies)|toddlers?|infants?|nieces?|nephews?|cousins?|sons?|"
    r"daughters?|stepsons?|stepdaughters?|students?|pupils?|classmates?|"
    r"(little|younger|baby|kid|small) (brother|sister|girl|boy)s?|"
    r"([1-9]|1[0-7]) ?(years? old|yo)|(only|just) ([1-9]|1[0-7]))\b")
HAPPENING_NOW = re.compile(r"\b(right now|as we speak|at the moment|i can hear|happening now)\b")
# "my cousin's boyfriend hits her": the relative names whose partner it is, not a child at risk.
PARTNER_OF_RELATIVE = re.compile(r"\b(cousins?|nieces?|nephews?|sons?|daughters?|classmates?|students?)'s "
                                 r"(boyfriend|girlfriend|husband|wife|partner|fianc\w*)\b")
# "he hurt me so badly when he cheated": hurt feelings.
HURT_FEELINGS = re.compile(r"\b(cheat\w*|lied|lying|left me|dumped|ghost\w*|broke up|betray\w*|ignor\w*|"
                           r"stood me up|forgot|said|called me)\b")
# Verbal abuse from other players: "my teammates were abusing me" in a game.
GAME_INSULTS = re.compile(r"\b(abus\w*|harass\w*|flam\w*|toxic|insult\w*|trash)\b")
PLAYERS = re.compile(r"\b(teammates?|team|players?|randoms|squad|lobby)\b")
# "losing my dad is really hitting me", "what she said really hurt me": feelings, not a blow.
FEELING_VERBS = frozenset({"hit", "hurt"})
FEELING_SUBJECTS = frozenset({
    "everything", "reality", "news", "death", "loss", "grief", "anniversary", "memory",
    "memories", "realisation", "realization", "truth", "breakup", "divorce", "funeral",
    "silence", "loneliness", "comment", "comments", "words"})
SAYING = frozenset({"said", "told", "wrote", "texted", "posted"})
PRONOUNS = frozenset({"i", "we", "you", "he", "she", "they"})
LOSS_GERUNDS = frozenset({"losing", "missing", "grieving", "mourning"})
SUBJECT_FILLERS = frozenset({"be", "really", "just", "finally", "suddenly", "all", "still", "now",
                             "properly", "actually", "so", "start", "begin", "to"})
DETERMINERS = frozenset({"my", "the", "his", "her", "our", "their", "your", "a"})
ASKED_IF = re.compile(r"\b(ask(ed|s)?|wonder(ed|s)?)( me)? (if|whether)\b")


def sentence_bounds(doc: Doc, start: int, end: int) -> tuple[int, int]:
    """Token bounds of the sentence around doc[start:end]."""
    left = start
    while left > 0 and doc[left - 1].lower_ not in SENTENCE_BREAKS:
        left -= 1
    right = end
    while right < len(doc) and doc[right].lower_ not in SENTENCE_BREAKS:
        right += 1
    return left, right


def sentence_text(doc: Doc, start: int, end: int) -> str:
    left, right = sentence_bounds(doc, start, end)
    return doc[left:right].text


def _is_hedge(doc: Doc, index: int) -> bool:
    following = [token.lower_ for token in doc[index + 1:index + 4]]
    return any(tuple(following[:len(hedge)]) == hedge for hedge in HEDGES)


def _is_negator(doc: Doc, index: int) -> bool:
    token = doc[index]
    if token.lemma_ in NEGATORS or token.lower_ in NEGATORS:
        return not _is_hedge(doc, index)
    return False


def _negation_cancelled(doc: Doc, negator: int, left: int) -> bool:
    """A second negation before a reporting verb: "i never said i wasn't going to ..."."""
    saw_reporting = False
    for index in range(negator - 1, left - 1, -1):
        if doc[index].lemma_ in REPORTING or doc[index].lower_ in REPORTING:
            saw_reporting = True
        elif saw_reporting and _is_negator(doc, index):
            return True
    return False


def negation(doc: Doc, span: Span) -> str | None:
    """The negation that scopes over span, if any."""
    left, _ = sentence_bounds(doc, span.start, span.end)
    index = span.start - 1
    steps = 0
    while index >= left and steps < 6 and doc[index].lower_ not in CLAUSE_BREAKS:
        if _is_negator(doc, index):
            if _negation_cancelled(doc, index, left):
                return None
            return f"negation:{doc[index:span.end].text}"
        if doc[index].lemma_ not in NEGATION_BRIDGE and doc[index].lower_ not in NEGATION_BRIDGE:
            break
        index -= 1
        steps += 1
    return _post_negation(doc, span)


def _post_negation(doc: Doc, span: Span) -> str | None:
    """"suicidal? no, not at all" - a question answered with a no."""
    after = doc[span.end:span.end + 4]
    if len(after) >= 2 and after[0].text == "?" and any(
            token.lower_ in POST_NEGATION for token in after[1:3]):
        return f"negation:{span.text}?"
    return None


def subject_of(doc: Doc, span: Span) -> tuple[str | None, str]:
    """Who the clause around span is about: "self", "child", "other", "thing" or None.

    Looks back from the match for the nearest subject-like word in the same sentence;
    a person called little, younger, ... ("my little brother") is a child.
    """
    if any(token.lower_ in FIRST_PERSON for token in span):
        return "self", "i"
    left, _ = sentence_bounds(doc, span.start, span.end)
    for index in range(span.start - 1, max(left, span.start - 14) - 1, -1):
        token = doc[index]
        word = token.lower_
        if word in FIRST_PERSON:
            return "self", word
        if word in SELF_PARTS and index > 0 and doc[index - 1].lower_ == "my":
            return "self", f"my {word}"
        if word in CHILDREN:
            return "child", word
        if _man_for_i(doc, index, left):
            return "self", word
        if word in PEOPLE or token.lemma_ in PEOPLE:
            young = index > 0 and doc[index - 1].lower_ in YOUNG
            return ("child" if young else "other"), word
        if word in THINGS:
            return "thing", word
    return None, ""


def _man_for_i(doc: Doc, index: int, left: int) -> bool:
    """London slang "man's thinking about ending it": "man" opening the sentence before 's / is means I."""
    following = doc[index + 1].lower_ if index + 1 < len(doc) else ""
    return index == left and doc[index].lower_ == "man" and following in ("'s", "’s", "is")


def historical(doc: Doc, span: Span) -> str | None:
    match = HISTORICAL.search(sentence_text(doc, span.start, span.end))
    return f"historical:{match.group(0)}" if match else None


def accident(doc: Doc, span: Span) -> str | None:
    sentence = sentence_text(doc, span.start, span.end)
    if ON_PURPOSE.search(sentence):
        return None
    match = ACCIDENT.search(sentence)
    return f"accident:{match.group(0)}" if match else None


def hyperbole(doc: Doc, span: Span) -> str | None:
    if EARNEST.search(doc.text) or LOSING_CONTROL.search(doc.text):
        return None
    match = LAUGHING.search(doc.text)
    if match:
        return f"hyperbole:{match.group(0)}"
    if span.root.lemma_ in {"kill", "murder"} or any(t.lemma_ in {"kill", "murder"} for t in span):
        before = [token.lower_ for token in doc[max(0, span.start - 3):span.start]]
        if "could" in before:
            return f"hyperbole:could {span.text}"
    return None


def topic(doc: Doc, span: Span, subject: str | None) -> str | None:
    following = doc[span.end:span.end + 3].text
    adjacent = ADJACENT_TOPIC.match(following)
    if adjacent:
        return f"topic:{span.text} {adjacent.group(0)}"
    before = doc[max(0, span.start - 3):span.start].text
    if re.search(r"\b(essay|article|paper|talk|lecture|book|film|movie|song|speech)\b (on|about)",
                 before):
        return f"topic:{before} {span.text}"
    if subject == "self":
        return None
    match = TOPIC.search(sentence_text(doc, span.start, span.end)) or GAMING.search(doc.text)
    return f"topic:{match.group(0)}" if match else None


def gaming(doc: Doc, span: Span) -> str | None:
    match = GAMING.search(doc.text)
    return f"gaming:{match.group(0)}" if match else None


def game_insults(doc: Doc, span: Span) -> str | None:
    """A gaming reason when other players "abuse" the person in a game: insults, not danger."""
    if GAME_INSULTS.search(span.text) and PLAYERS.search(doc.text):
        return gaming(doc, span)
    return None


def asked_if(doc: Doc, span: Span) -> str | None:
    left, _ = sentence_bounds(doc, span.start, span.end)
    match = ASKED_IF.search(doc[left:span.start].text)
    return f"question:{match.group(0)}" if match else None


def someone_else_at_risk(doc: Doc, span: Span) -> str | None:
    """A third_party reason for abuse of somebody else, unless a child is involved or it is
    happening now ("her dad hurts her" about "my little cousin"; "he's hitting her right now").
    """
    if CHILD_CONTEXT.search(PARTNER_OF_RELATIVE.sub("", doc.text)) or HAPPENING_NOW.search(doc.text):
        return None
    return f"third_party:{span.text}"


def feelings(doc: Doc, span: Span) -> str | None:
    """An idiom reason when "hit me" / "hurt me" is about feelings, not a blow.

    The subject (skipping "is", "really", "starting to", ...) is a thing or a loss ("my
    grandma's death is really hitting me"), what somebody said ("what she said last night
    really hurt me"), or a person after "losing / missing" or "the news about" with a finite
    verb ("missing my mum really hits me"; but "i'm worried about my dad hitting me" is a blow).
    """
    if not any(token.lemma_ in FEELING_VERBS for token in span):
        return None
    left, right = sentence_bounds(doc, span.start, span.end)
    if any(token.lemma_ == "hurt" for token in span) and HURT_FEELINGS.search(doc[span.end:right].text):
        return f"idiom:{doc[span.start:right].text}"
    if _what_was_said(doc[left:span.start]):
        return f"idiom:{doc[left:span.end].text}"
    index = span.start - 1
    while index >= left and (doc[index].lemma_ in SUBJECT_FILLERS
                             or doc[index].lower_ in SUBJECT_FILLERS):
        index -= 1
    if index < left:
        return None
    reason = f"idiom:{doc[index:span.end].text}"
    if doc[index].lower_ in FEELING_SUBJECTS:
        return reason
    lead = index - 2 if index > left and doc[index - 1].lower_ in DETERMINERS else index - 1
    finite = not span[0].lower_.endswith("ing") or any(
        token.lemma_ == "be" for token in doc[index + 1:span.start])
    if lead < left or not finite:
        return None
    if doc[lead].lower_ == "about" and lead > left and doc[lead - 1].lower_ in FEELING_SUBJECTS:
        lead -= 1
    if doc[lead].lower_ in LOSS_GERUNDS | FEELING_SUBJECTS:
        return f"idiom:{doc[lead:span.end].text}"
    return None


def _what_was_said(words: Span) -> bool:
    """"what my sister said last night": a "what" clause whose verb is saying, no new subject."""
    if not len(words) or words[0].lower_ != "what":
        return False
    said = [index for index, token in enumerate(words) if token.lower_ in SAYING]
    return bool(said) and not any(token.lower_ in PRONOUNS for token in words[said[-1] + 1:])
