"""Curated risk rules: what counts as risk language, in which category, at which base severity.

Written for Steady; patterns use the language in bot/risk/patterns.py. Each rule states:

  subject    who the statement must be about. "none": the pattern itself is first person
             ("kill myself", "without me"). "self": the nearest subject before the match must
             be the person ("i", or no subject at all); another person -> third_party guard.
             "other": somebody else does it to the person ("my dad hits me").
             "self_or_child": the person, or a child ("the kid next door is being abused"), or
             anyone while a child is involved or it is happening now (guards.someone_else_at_risk).
             "other_to_other": somebody else (not a child) does it to a third person ("her dad
             hurts her"); it counts only when a child is involved or it is happening now.
  catch_all  a bare mention ("suicide"); suppressed as topic talk when the message is about
             a film, song, class, awareness campaign, ... and no subject says "i".
  hyperbole  prone to jokes ("i'm gonna kill my sister lol"): a laughing marker or "could"
             ("i could kill him") suppresses it, unless the message says it is no joke
             ("i'm not joking", "for real").
  absorbs    a longer rule that swallows shorter hits inside it ("they tell me to kill myself"
             is bullying, not the person's own ideation).
  requires / excludes   regexes on the normalised message that must / must not match.
  next_allowed / next_blocked   words that may / may not follow the match.
  not_after  lemmas that, among the 3 words before the match, cancel it ("want to kill
             myself tonight" is a wish with a time, not the time-bound intent of "kms tonight").
  behaviour  an act that happened (an attempt, an overdose): graded by how recent it is.
  accident   self-injury words that also describe accidents ("cut myself shaving").

Severity grading lives in bot/risk/severity.py.
"""

from __future__ import annotations

from dataclasses import dataclass

SUICIDE_CONTEXT = r"kill myself|end (it|my life)|suicid|\bdie\b|dying|dead|take my (own )?life"
DEATH_CONTEXT = r"\b(die|died|dies|dead|death|suicide|killed (him|her|them)sel(f|ves)|passed)\b"
# "joking" but not "not joking" / "wasn't even joking" / "he's not messing around"
JOKE = (r"as a joke|jokingly|playful|play fight|"
        r"(?<!not )(?<!n't )(?<!even )(joking|messing around)|pillow|tickl")
TRIVIAL_THREAT = (r"\b(grades?|mess|report card|bill|late|homework|test|exam|scratch|dent|deadline|miss|"
                  r"broke|lost|spent|sees? the|find(s)? out|found out|haircut|tattoo)\b")


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    severity: str
    patterns: tuple[str, ...]
    subject: str = "none"
    catch_all: bool = False
    hyperbole: bool = False
    absorbs: bool = False
    requires: str | None = None
    excludes: str | None = None
    next_allowed: tuple[str, ...] | None = None
    next_blocked: tuple[str, ...] = ()
    behaviour: bool = False
    accident: bool = False
    not_after: tuple[str, ...] = ()


def _rule(id: str, category: str, severity: str, *patterns: str, **options) -> Rule:
    return Rule(id, category, severity, tuple(patterns), **options)


PASSIVE = "passive_ideation"
ACTIVE = "active_ideation"
PLAN = "plan_intent"
SELF_HARM = "self_harm"
OTHERS = "harm_to_others"
ABUSE = "abuse_danger"

RULES: tuple[Rule, ...] = (
    # ---------------------------------------------------------------- passive ideation (low)
    _rule("passive.want_die", PASSIVE, "low",
          "want/wish/need/pray/hope to die", "would like to die", "ready to die",
          "want/wish to be dead", "wish i * be dead", "wish i * die", "hope i * die",
          "pray i * die", "die in my sleep", "wish i * dead", "deserve to die",
          "not deserve to live/exist", "not deserve to be alive/here", "should just die",
          "should be dead", "can not wait to die", "want to be gone", "wish i be gone",
          subject="self"),
    _rule("passive.better_dead", PASSIVE, "low",
          "better/well/good off dead", "rather be dead", "rather die", hyperbole=True,
          subject="self"),
    _rule("passive.not_live", PASSIVE, "low",
          "{NOT} * want to live/exist", "{NOT} * want to be alive", "{NOT} * want to be here",
          "{NOT} * want to wake up", "{NOT} * want to be around", "{NOT} think i want to live",
          "{NOT} think i want to be alive/here", "not sure i * want to live/be/exist",
          "not sure if i * want to live/be/exist", "{NOT} * want to go on",
          "{NOT} want to exist", next_blocked=("at", "in", "with", "on", "for")),
    _rule("passive.no_wake", PASSIVE, "low",
          "hope/pray/wish i * not/never wake up", "sleep and not/never wake up",
          "want/wish/need/hope * sleep forever", "to sleep forever", "asleep forever",
          "never wake up again", "sleep and never come back", "never come back",
          "stop breathing", "my heart * stop", "not see myself * alive/here/around",
          "not see a future", "no future for me", "picture/imagine/plan/think my * funeral",
          "my own funeral", "my heart * give out", "welcome death", "death ** relief/release/peace",
          "envy/jealous ** dead/die", "no will to live", "lose the will to live",
          "sleep and not exist", "@TIRED of wake up", "hate wake up", "fall asleep and never", "hope i * not wake"),
    _rule("passive.stop_existing", PASSIVE, "low",
          "stop exist/existing", "want to not exist", "wish i * not exist", "cease to exist",
          "want to not be here/alive/around", "disappear from * world/earth/existence/planet",
          "leave this world", "i * just vanish", "vanish forever", "if i * vanish",
          "wish i * never * bear/born", "want to disappear forever",
          "wish i * disappear", "want to disappear", "disappear and never come back",
          "wish i * fade away", "just fade away", "want to vanish", subject="self",
          catch_all=True, next_blocked=("into", "for", "from", "off", "to", "under", "in", "on")),
    _rule("passive.tired_of_life", PASSIVE, "low",
          "@TIRED of/with live/living/life/exist/existing", "@TIRED of/with be alive",
          "@TIRED of/with my life", "hate be alive", "hate living", "@TIRED of * stay alive",
          "@TIRED of fight to live/stay/survive", "fight to stay alive",
          next_blocked=("in", "with", "at", "next", "near", "on", "under", "paycheck", "out",
                        "here", "there", "abroad", "alone", "together")),
    _rule("passive.no_point", PASSIVE, "low",
          "the/no/any point of/in live/living/life/exist/existing/anything/continue",
          "the/no/any point of/in go/keep/carry on/go/going", "the/no/any point of/in be/stay alive",
          "the/no/any point of/in * anymore", "no reason to live/stay/continue",
          "no reason for? me? to live/stay/continue/keep/go/carry",
          "nothing * to live for", "nothing left to live for", "life be not worth",
          "life * not worth live/living/it", "not worth live/living", "life be pointless",
          "why be i * still alive/here", "why i be * still alive/here",
          "why be i even alive", "why do i even exist", "life be/feel/seem pointless/meaningless",
          "only way out", "way out except/but/besides/other", "no way out but/except"),
    _rule("passive.burden", PASSIVE, "low",
          "burden to/on everyone/everybody/my/every/people/them/family/you/all",
          "such a burden", "just a burden", "only a burden", "be a burden to/on"),
    _rule("passive.better_without_me", PASSIVE, "low",
          "better/well/happy/happier/easy/easier * without me",
          "better/well/happy/happier/easy/easier off? if i * not here/around/alive",
          "better/well/happy/happier/easy/easier off? if i be gone/dead",
          "better/well/happy/happier/easy/easier off? if i die/disappear/go",
          "better/well/happy/happier/easy/easier off? if i * not * here",
          "{EVERYONE} * better/well off without", "fine/okay/ok/same without me",
          "go on without me", "keep * without me",
          "{NOBODY} * miss me", "{NOBODY} * care/notice if i", "{NOBODY} * notice if i",
          "if i die/disappear/go * {NOBODY} * care/notice", "if i be gone * {NOBODY}",
          "not matter if i die/live"),
    _rule("passive.want_it_to_end", PASSIVE, "low",
          "want/wish/need it all to end/stop/be", "want/wish/need everything to end/stop/be",
          "want/wish/need all of this to end/stop/be", "want/wish/need it to * stop forever",
          "want/wish/need it all to * stop/end", "want/wish this all to end/stop",
          "want/wish/need all of it to end/stop", "want/wish the pain to * stop forever"),
    _rule("passive.cant_go_on", PASSIVE, "low",
          "can not go on", "can not keep go/going", "can not keep do this",
          "can not take it/this anymore", "can not do this anymore", "can not live like this",
          "can not carry on", "can not handle life", "can not take any more"),
    _rule("passive.kill_me_request", PASSIVE, "low",
          "someone/somebody * =kill me", "please * =kill me", "just =kill me",
          "want someone/somebody to kill me", "wish someone/somebody would kill me",
          hyperbole=True),
    _rule("passive.hit_by", PASSIVE, "low",
          "not mind if a * hit/kill me", "wish a * hit/kill me", "hope a * hit/kill me",
          "hope i get hit", "wish i get hit", "wish i * get hit"),
    _rule("passive.rather_not_exist", PASSIVE, "low",
          "why be i * born", "i should not be alive/here", "should have die"),

    # -------------------------------------------------------------- active ideation (moderate)
    _rule("active.kill_myself", ACTIVE, "moderate",
          "kill @REFL", "off @REFL", "end my * life", "take my * life", "end it all",
          "commit suicide", "suicide myself", "end @REFL", "danger to @REFL",
          "@METHOD_VERB @REFL", next_blocked=("laughing", "out", "up", "in", "at", "with", "to",
                                               "over", "trying", "working")),
    _rule("active.want_end_it", ACTIVE, "moderate",
          "{DESIRE} end it/things", "{DESIRE} end everything", "want to end it",
          next_blocked=("with",)),
    _rule("active.inner_voice", ACTIVE, "moderate",
          "tell/telling me to end it/die", "tell me to kill @REFL", subject="self"),
    _rule("active.suicidal", ACTIVE, "moderate", "suicidal", subject="self", catch_all=True),
    _rule("active.suicide_mention", ACTIVE, "moderate", "suicide", subject="self",
          catch_all=True),
    _rule("active.jump", ACTIVE, "moderate",
          "{DESIRE} jump off/from", "want to jump in front of", "{DESIRE} jump in front of",
          "{DESIRE} step in front of", "{DESIRE} drive * into", "{DESIRE} crash my car",
          "{DESIRE} * jump off/from the/a @HIGH_PLACE", subject="self"),
    _rule("active.follow_them", ACTIVE, "moderate",
          "do it too", "do the same", "follow him/her/them", "join him/her/them",
          "think about do it", "want to do it", requires=DEATH_CONTEXT, subject="self"),
    _rule("active.overdose_wish", ACTIVE, "moderate", "{DESIRE} overdose", subject="self"),

    # ------------------------------------------------ plan / intent / means / behaviour (high)
    _rule("plan.intent", PLAN, "high",
          "{INTEND} kill @REFL", "{INTEND} end my * life", "{INTEND} end it", "{INTEND} die",
          "{INTEND} take my * life", "{INTEND} overdose", "{INTEND} jump", "{INTEND} do it",
          "{INTEND} commit suicide", "{INTEND} end everything", "{INTEND} off @REFL",
          next_blocked=("with", "of", "from", "laughing"), requires=SUICIDE_CONTEXT + "|jump|overdose|do it",
          subject="self"),
    _rule("plan.time_bound", PLAN, "high",
          "kill @REFL tonight/today/now/tomorrow", "end it tonight/today/now/tomorrow",
          "kill @REFL right now", "kill @REFL this weekend/week/morning/evening",
          "end it all? tonight/today/now", "end my life tonight/today/now",
          subject="self", not_after=("want", "wish", "feel", "like", "urge", "need")),
    _rule("plan.have_plan", PLAN, "high",
          "have a plan to/for * kill/end/die", "plan * my suicide/death", "plan how * die/kill",
          "make a plan to kill/end/die", "plan to kill @REFL", "plan my * suicide",
          "pick/set/choose a date/day/time", "make up my mind", "the night i end",
          "tonight be the night", "way to kill @REFL", "way to die",
          "think/know/plan/figure/work * how i would/will/'d/'ll/be do it",
          "know how i be =going to do it", "how i would/'d/will/'ll do it",
          requires=SUICIDE_CONTEXT + "|suicide|way to die|do it"),
    _rule("plan.research", PLAN, "high",
          "how many @PILLS", "look up how to die/kill", "research * way to die/kill",
          "research how to die/kill", "google how to die/kill", "search * how to die/kill",
          "how to kill @REFL", "painless way to die", "research * way to die",
          excludes=r"doctor said|prescrib|should i take|with food|per day|a day\b"),
    _rule("plan.goodbye_letters", PLAN, "high",
          "goodbye/farewell/suicide letter/letters/note/notes/message", "write * goodbye",
          "my last message/words", "this be my last message/night/day",
          "this be goodbye", "goodbye forever", "goodbye everyone/everybody/world/all",
          "say my goodbyes", "say goodbye to everyone/everybody", "write my will",
          "my last night/day alive/on", "last day alive",
          excludes=r"see you|talk (to you )?(tomorrow|later|soon)|next (week|time)|till tomorrow|"
                   r"coworker|colleague|retir|moving away|lawyer|solicitor|exam|school!|holiday|"
                   r"leaving (do|party|drinks)|farewell (do|party|drinks)|going away party|"
                   r"send ?off|new job|last (day|shift) at work"),
    _rule("plan.giving_away", PLAN, "high",
          "give/giving away my thing/things/stuff/possession/possessions/belonging/belongings/everything",
          "give/giving my thing/things/stuff/possession/possessions/belongings/everything away",
          "give away all my", "give away everything", "give my * to * when i be go/gone",
          "look after when i be go/gone", "when i be go/gone", "after i be go/gone",
          next_blocked=("on", "for", "to", "out", "away"),
          excludes=r"charity|donat|declutter|spring clean|moving house|old clothes"),
    _rule("plan.stockpile", PLAN, "high",
          "stockpile/hoard/save/collect/store/stash * @PILLS", "save up * @PILLS",
          "save up my @PILLS", "have @PILLS save/saved up", "be save/saving @PILLS",
          "have * @PILLS * here/ready/with", "the @PILLS be in front of me",
          "@PILLS * in front of me", "@PILLS be ready", "got * @PILLS * ready/here",
          "everything i need to end/die/kill",
          excludes=r"doctor|prescrib|should i take|with food|forgot"),
    _rule("plan.means_at_hand", PLAN, "high",
          "have/get a rope/gun * in my room/here/ready/hidden/hide",
          "know where and when", "decide where and when", "pick the place and", "affairs in order",
          "last time * hear from me", "not be here/around after"),
    _rule("passive.just_end", PASSIVE, "low", "wish i * end", "want to * end", next_allowed=()),
    _rule("plan.means", PLAN, "high", "have a gun/rope/knife/blade", "buy * rope/gun/blade",
          "get a gun/rope", requires=SUICIDE_CONTEXT + "|myself|use it on me"),
    _rule("plan.not_around", PLAN, "high",
          "not be here/around * long/longer", "not be here/around tomorrow/anymore",
          "not be here/around to see", "not be a burden * long/longer/soon/anymore",
          "not be here/around for christmas/birthday/summer/graduation/new/next",
          "not think i * be here/around * long/longer/for/next/tomorrow/much",
          "soon i * not be a burden", "not have to worry/deal about/with me * long/longer/anymore/after/soon",
          "be dead by/before", "will be dead", "will die tonight", "not be alive * tomorrow/long/morning",
          "not have to deal with me", "not be here * morning", "last time you hear from me",
          "by tomorrow i * not be here"),
    _rule("plan.on_high_place", PLAN, "imminent",
          "be on/at/up the/a @HIGH_PLACE", "stand/sit/standing/sitting on/at the/a @HIGH_PLACE",
          "i be on/at/up the/a @HIGH_PLACE", "be at the top of", "on the edge of the roof/bridge",
          next_blocked=("team", "club", "crew", "of", "near", "with", "party", "game", "class",
                        "lol", "lmao", "haha", "fixing", "to", "for", "bar", "table", "garden",
                        "terrace", "top", "restaurant", "deck", "pool", "cafe"),
          subject="self"),
    _rule("plan.attempt", PLAN, "high",
          "try/attempt to kill @REFL", "try/attempt to end my * life", "attempt suicide",
          "try/attempt to take my * life", "try/attempt suicide", "try/attempt to overdose",
          "take * bunch/lot/load/loads/handful/all/whole/many/too/rest of * @PILLS",
          "take all my @PILLS", "take a lot of @PILLS", "take too many @PILLS",
          "take #NUM @PILLS", "take * #NUM * @PILLS", "try/attempt to @METHOD_VERB @REFL",
          "@METHOD_VERB @REFL last/yesterday", "swallow every/all * @PILLS",
          "=overdosed", "swallow * @PILLS", "do it last night", "survive my attempt",
          "my attempt", "attempt again", subject="self", behaviour=True, next_blocked=("at",),
          excludes=r"doctor said|like the doctor|prescrib|forgot to take|should i take"),

    # ------------------------------------------------------------------ self-harm (moderate)
    _rule("self_harm.verb", SELF_HARM, "moderate",
          "cut/burn/hurt/harm/hit/punch/scratch/slice/carve/starve/bite/stab/injure/mutilate @REFL",
          "make @REFL bleed", "make @REFL throw up",
          next_blocked=("off", "some", "slack", "out", "short", "free"), accident=True,
          subject="self"),
    _rule("self_harm.named", SELF_HARM, "moderate",
          "self harm/harming/injury/injure", "self harmed", "nssi", "=sh scar/scars/urge/urges/again",
          "relapse * on? =sh", "relapse on self", "my =sh", "start =sh", "do =sh",
          "relapse * cut", "relapse and cut", "cut again", "=cutting again",
          "be =cutting myself/again/right", "start cut again", "urge/urges to cut/sh/self",
          "want/need to cut", "cut my arm/arms/wrist/wrists/leg/legs/thigh/thighs",
          "scratch * until/till * bleed", "burn my skin/arm/arms", "=cutting right now",
          "=cutting deeper/deep", "fresh cut/cuts/scar/scars", "cut/cuts/scar/scars on my @BODY",
          "@BODY * cover in cut/cuts/scar/scars/burn/burns", "until/till * bleed",
          "bleed on purpose", "on purpose * bleed", "slit/slash my wrist/wrists",
          "hurt/hit/punch/burn/cut * on purpose", "hurt @REFL tonight/again",
          "carve/cut/scratch/burn * into my @BODY",
          "be =cutting now", subject="self", accident=True,
          next_blocked=("down", "back", "out", "off", "the", "it", "costs", "class", "ties",
                        "corners", "hair", "loose", "in", "up", "through", "a", "my", "that")),

    _rule("self_harm.intent", SELF_HARM, "moderate", "{INTEND} cut", "{INTEND} self harm",
          "{INTEND} hurt @REFL", next_allowed=("tonight", "again", "myself", "now", "today", "right",
                                               "later", "when", "if", "soon", "rn")),

    # ------------------------------------------------------------ harm to others (moderate)
    _rule("others.violence", OTHERS, "moderate",
          "@VIOLENT @TARGET", "@VIOLENT my @REL", "@VIOLENT my little? @FAMILY_VICTIM",
          "@VIOLENT that/this @THAT_PERSON", "@VIOLENT them all", "@VIOLENT all of them",
          "shoot up * school/class/work/office/mall/church/party",
          "bring a knife/gun/weapon to", "hurt someone/somebody/people",
          "@VIOLENT other people", "danger to others/other/people", "hurt other people",
          subject="self", hyperbole=True,
          next_blocked=("feeling", "feelings", "'s", "to", "off", "back", "with", "time", "it")),
    _rule("others.kill_yourself", OTHERS, "low", "kill yourself", subject="self"),

    # ----------------------------------------------------------- abuse / danger (moderate)
    _rule("abuse.hurts_me", ABUSE, "moderate",
          "@ABUSE_VERB @ME", "@ABUSE_VERB @ME * with", "beat @ME up", "force himself/herself on me",
          "force me to", "make me do thing/things/stuff", "touch me * inappropriately",
          "hit me with a belt", "sexually assault me", "put his/her hands on me",
          "hurt me when", "lay a hand on me",
          subject="other", excludes=JOKE + r"|\bat (chess|cards|tennis|pool|darts|fifa|mario kart)",
          next_blocked=("up", "like", "back", "to", "on", "with", "as", "too", "off")),
    _rule("abuse.hurts_family", ABUSE, "moderate",
          "hit/beat/hurt/touch/abuse/molest/rape/kick/slap/choke/punch/strangle my little? @FAMILY_VICTIM",
          "hit/beat/hurt/touch/abuse/molest/kick/slap/choke/punch the/our/his/her/their @KIDS",
          "get/be violent", "bruise/bruises from him/her/them/my",
          "come/coming/get into my room/bed at night",
          subject="other", excludes=JOKE, next_blocked=("'s", "feeling", "feelings")),
    _rule("abuse.is_abused", ABUSE, "moderate",
          "be/get abuse/rape/molest/assault/stalk/follow/groom/threaten/traffic",
          "be/get sexually assault/abuse", "be/get beat up", "be being abuse/hurt/follow/hit",
          subject="self_or_child", next_blocked=("on", "online", "by the")),
    _rule("abuse.hurts_someone", ABUSE, "moderate",
          "hit/beat/hurt/abuse/molest/rape/kick/slap/choke/punch/strangle/smack/burn/starve "
          "him/her/them",
          subject="other_to_other", excludes=JOKE,
          next_allowed=("and", "when", "whenever", "every", "all", "again", "so", "badly",
                        "really", "a", "if", "because", "cause", "while", "with", "in", "until",
                        "till", "right", "now", "tonight", "sometimes", "often", "always", "but",
                        "or", "even", "hard", "up", "too", "daily", "then", "for", "constantly",
                        "still", "last", "yesterday", "today", "behind")),
    _rule("abuse.threat_to_kill", ABUSE, "high",
          "threaten to * kill/hurt/murder me", "threaten to * kill/hurt @ME",
          "say * kill/hurt me", "will kill/hurt/murder me", "=going to kill/hurt/murder me",
          "swear * kill me", "kill me if i", "be going to kill me", "be gonna kill me",
          "will kill/hurt us", "kill/hurt us all", "=going to kill/hurt us",
          "threaten me with", "with a knife/gun at me", "point a gun/knife at me",
          subject="other", excludes=TRIVIAL_THREAT + "|" + JOKE, hyperbole=True,
          next_blocked=("laughing", "with")),
    _rule("abuse.unsafe", ABUSE, "moderate",
          "not * safe at/in home/house", "not feel safe", "not safe here/there/around/with",
          "unsafe at/in home/house", "feel unsafe", "scared/afraid/terrified to go home/back",
          "scared/afraid/terrified of my @REL", "in danger", "scared for my life",
          "afraid for my life", "fear for my life",
          next_blocked=("'s", "of", "reaction", "grade", "grades", "finding", "being", "zone")),
    _rule("abuse.control", ABUSE, "moderate",
          "not let me leave/go/out/see", "lock me in/out", "locked in my room",
          "keep me lock", "take my phone * not let", requires=r"\b(he|she|they|dad|mum|mom|"
          r"stepdad|stepmom|husband|wife|boyfriend|girlfriend|partner|parents?|uncle)\b"),
    _rule("abuse.at_door", ABUSE, "high",
          "outside my door/house/window/room/flat/apartment/home", "bang/banging/pound on the/my door",
          "try to break in", "break the door",
          requires=r"scared|afraid|terrified|help|won't leave|banging|threat|kill"),
    _rule("abuse.told_to_die", ABUSE, "moderate",
          "tell/say/text/message/call me to kill @REFL/yourself", "tell me to die",
          "tell me to go die", "want me dead", "want me to die", "tell me to end it",
          subject="other", absorbs=True),
    _rule("abuse.hiding", ABUSE, "high", "hide/hiding in/from",
          requires=r"\b(he|she|they|dad|mum|mom|stepdad|husband|boyfriend|partner)\b.*"
                   r"\b(drunk|angry|violent|mad|shouting|yelling|screaming|hitting|looking for me)"),
    _rule("abuse.grooming", ABUSE, "moderate", "creepy/sexual/dirty message/messages/texts/photos/pics",
          "keep it/this/that * secret", "send me nudes", "ask/want me to send * pic/pics/photos/nudes",
          requires=r"\b(he|she|coach|teacher|uncle|man|guy|adult|stepdad|older|boss|priest|tutor)\b"),
)


@dataclass(frozen=True)
class Guard:
    """A phrase that looks like risk but is not: it suppresses candidates it overlaps."""

    id: str
    kind: str
    patterns: tuple[str, ...]
    requires: str | None = None
    subject: str = "none"


def _guard(id: str, kind: str, *patterns: str, **options) -> Guard:
    return Guard(id, kind, tuple(patterns), **options)


GUARDS: tuple[Guard, ...] = (
    _guard("idiom.killing_me", "idiom", "=killing/=killed/=kills me", "=killing/=killed us"),
    _guard("idiom.kill_it", "idiom", "=killing/=killed/=kill it",
           "kill/murder this/that/the workout/set/song/exam/test/interview/game/level/boss",
           "kill/killing time", "kill some time", "kill two bird", "dress to kill",
           "kill the light/lights/engine/vibe/mood/music/process/boss/dragon/spider/bug/app"),
    _guard("idiom.kill_for", "idiom", "kill for a/an/some/the/that/this/one",
           "murder a/an/some/that/the", "=murdered that/the/this"),
    _guard("idiom.overwork", "idiom",
           "=killing @REFL at/over/working/studying/trying/with",
           "=killing @REFL to finish/meet/get/make/pay/keep/please/impress/study/work/hit/pass",
           "kill @REFL laugh/laughing", "=killed @REFL laughing", "die laugh/laughing",
           "=dying/=died laughing", "laugh so hard i * die"),
    _guard("idiom.die_of", "idiom",
           "die/dying/=died of/from laughter/laughing/embarrassment/cringe/heat/boredom/shame/"
           "hunger/thirst/cuteness/jealousy/excitement/suspense",
           "die for a/an/some/the/that", "to die for", "=dying to/for", "die without",
           "die a little", "nearly die of", "=dying over"),
    _guard("idiom.dead", "idiom", "i ='m dead", "i be so dead", "i be deceased", "dead tired",
           "drop dead gorgeous", "bored/scared/sick/worried/freeze/frozen/love to death",
           "death of me", "over my dead body", "dead inside lol",
           requires=r"lol|lmao|haha|😂|🤣|💀|tired|gorgeous|death|body|deceased|if my|when my|"
                    r"finds out"),
    _guard("idiom.died_thing", "idiom",
           "@DEVICE * die", "my @DEVICE * dying", "@DEVICE * about/go to die",
           "@DEVICE * be * dead"),
    _guard("idiom.self_phrases", "idiom", "shoot @REFL in the foot", "cut @REFL some slack",
           "beat @REFL up", "kick @REFL", "cut @REFL off", "burn @REFL out",
           "hurt @REFL laughing"),
    _guard("idiom.hit_me_up", "idiom", "hit me up/back", "it hit me", "shoot me a"),
    _guard("idiom.hit_me_with", "idiom",
           "hit me with * idea/tip/quote/song/joke/exercise/fact/question/breathing/truth/advice/"
           "motivation/news/project/deadline/task/work/workload/shift/overtime/assignment/"
           "homework/essay/coursework/bill/fine/detention/lecture/guilt/surprise/curveball/"
           "request/email/meeting/paperwork/report/rule"),
    _guard("idiom.could_just_die", "idiom", "i could just die", "i could die",
           requires=r"embarrass|cringe|mortif|awkward|so cute|so good|delicious"),
    _guard("idiom.wanted_to_die_when", "idiom", "=wanted to die when/because/after",
           "=wanted to die of", requires=r"lol|lmao|haha|😂|🤣|💀|embarrass|crush|cringe|awkward"),
    _guard("idiom.could_sleep", "idiom", "could sleep forever/for", "=dead serious",
           "sleep for a week/day/year"),
    _guard("idiom.going_to_die", "idiom", "=going to die of/if/from", "i will die if i do not eat",
           "i be going to die of"),
    _guard("third_party.reflexive", "third_party", "kill himself/herself/themselves/themself",
           "take his/her/their * life", "end his/her/their * life", "killed hisself"),
    _guard("third_party.suicide_death", "third_party",
           "die/died by suicide", "commit/committed suicide", "lose * to suicide",
           "attempt suicide", "=suicide attempt/attempts", "self harm/harms", "=overdosed",
           subject="other"),
)
