"""Behaviour of the risk detector: normalisation, guards, categories, severity, spans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.risk import CATEGORIES, RiskAssessment, RiskDetector, RiskHit, severity_rank
from bot.risk.normalize import Normalizer
from bot.risk.pipeline import vocabulary

CASES = yaml.safe_load((Path(__file__).parent / "risk_detector_cases.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def detector(tmp_path_factory: pytest.TempPathFactory) -> RiskDetector:
    """Curated rules only, whatever is in var/build."""
    return RiskDetector(tmp_path_factory.mktemp("lexicon") / "absent.json")


@pytest.fixture(scope="module")
def normalize() -> Normalizer:
    return Normalizer(vocabulary())


# ----------------------------------------------------------------------------- normalisation
@pytest.mark.parametrize(("raw", "expected"), CASES["normalisation"])
def test_normalisation(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize("raw", ["I’m sooooo done with lifeeee", "KMS RN!!", "s u i c i d e", "a\u00a0b"])
def test_normalised_characters_map_back_into_the_original(normalize: Normalizer, raw: str) -> None:
    result = normalize(raw)
    assert len(result.starts) == len(result.ends) == len(result.text)
    assert all(0 <= start < end <= len(raw) for start, end in zip(result.starts, result.ends, strict=True))
    assert result.original_span(0, len(result.text)) == (0, len(raw))


# ------------------------------------------------------------------------------- categories
@pytest.mark.parametrize(("text", "category", "min_severity"), CASES["each_category"])
def test_each_category(detector: RiskDetector, text: str, category: str, min_severity: str) -> None:
    result = detector.assess(text)
    assert category in result.categories
    assert severity_rank(result.severity) >= severity_rank(min_severity)


@pytest.mark.parametrize("text", CASES["indirect_phrasing_is_caught"])
def test_indirect_phrasing_is_caught(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).is_risk


@pytest.mark.parametrize(("text", "category"), CASES["kys_is_harm_to_others_unless_it_is_said_to_the_person"])
def test_kys_is_harm_to_others_unless_it_is_said_to_the_person(
    detector: RiskDetector, text: str, category: str
) -> None:
    assert detector.assess(text).categories == (category,)


# ----------------------------------------------------------------------------------- guards
@pytest.mark.parametrize("text", CASES["negation_does_not_fire"])
def test_negation_does_not_fire(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert any(reason.startswith("negation:") for reason in result.guarded)


@pytest.mark.parametrize("text", CASES["hedges_and_double_negation_still_fire"])
def test_hedges_and_double_negation_still_fire(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).is_risk


@pytest.mark.parametrize("text", CASES["idioms_and_hyperbole_do_not_fire"])
def test_idioms_and_hyperbole_do_not_fire(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert result.guarded


def test_idiom_guard_names_the_idiom(detector: RiskDetector) -> None:
    assert "idiom:killing me" in detector.assess("this exam is killing me").guarded


@pytest.mark.parametrize("text", CASES["third_party_is_support_not_an_alarm"])
def test_third_party_is_support_not_an_alarm(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk
    assert any(reason.startswith("third_party:") for reason in result.guarded)


def test_man_for_i_in_london_slang_is_the_person(detector: RiskDetector) -> None:
    assert detector.assess("man's thinking about ending it for real").is_risk


def test_better_off_without_someone_else_is_not_about_the_person(detector: RiskDetector) -> None:
    assert not detector.assess("our kid said everyone would be better off without him. how do i bring it up").is_risk
    assert detector.assess("everyone would be better off without me").is_risk


def test_own_wish_after_a_death_is_an_alarm(detector: RiskDetector) -> None:
    result = detector.assess("since my friend died I want to die too")
    assert result.categories == ("passive_ideation",)


def test_history_is_guarded(detector: RiskDetector) -> None:
    result = detector.assess("i used to want to die when i was a teen")
    assert not result.is_risk
    assert any(reason.startswith("historical:") for reason in result.guarded)


# --------------------------------------------------------------------------------- severity
@pytest.mark.parametrize(("text", "severity"), CASES["severity_grading"])
def test_severity_grading(detector: RiskDetector, text: str, severity: str) -> None:
    assert detector.assess(text).severity == severity


def test_severity_scale_is_ordered() -> None:
    assert [severity_rank(s) for s in ("low", "moderate", "high", "imminent")] == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        severity_rank("extreme")


# ------------------------------------------------------------------------------------ spans
@pytest.mark.parametrize(("text", "expected"), CASES["spans_point_into_the_original_text"])
def test_spans_point_into_the_original_text(detector: RiskDetector, text: str, expected: str) -> None:
    hits = detector.assess(text).hits
    assert [hit.text for hit in hits] == [expected]
    assert all(text[hit.start : hit.end] == hit.text for hit in hits)


# ------------------------------------------------------------------------------- odd input
@pytest.mark.parametrize("text", ["", "   ", "😭😭😭", "🙂", "\n\t", "?!?!", "/", "'" * 50])
def test_empty_or_symbol_input_is_no_risk(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text) == RiskAssessment(lexicon=detector.lexicon_label)


def test_none_is_no_risk(detector: RiskDetector) -> None:
    assert not detector.assess(None).is_risk  # type: ignore[arg-type]


def test_very_long_input(detector: RiskDetector) -> None:
    filler = "today was long and the bus was late. " * 280
    text = filler + "i want to die"
    assert len(text) > 10_000
    hits = detector.assess(text).hits
    assert [hit.text for hit in hits] == ["want to die"]
    assert text[hits[0].start : hits[0].end] == "want to die"
    assert not detector.assess("a" * 10_000).is_risk


# ---------------------------------------------------------------------------- result types
def test_assessment_summarises_its_hits() -> None:
    hits = (
        RiskHit("passive_ideation", "low", 0, 4, "want", "r1"),
        RiskHit("plan_intent", "imminent", 5, 9, "plan", "r2"),
        RiskHit("passive_ideation", "moderate", 10, 12, "xy", "r3"),
    )
    result = RiskAssessment(hits, ("negation:x",))
    assert result.is_risk
    assert result.severity == "imminent"
    assert result.categories == ("passive_ideation", "plan_intent")
    data = json.loads(json.dumps(result.to_dict()))
    assert data["hits"][1] == {
        "category": "plan_intent",
        "severity": "imminent",
        "start": 5,
        "end": 9,
        "text": "plan",
        "rule": "r2",
    }
    assert data["guarded"] == ["negation:x"] and data["is_risk"] is True


def test_no_hits_means_no_risk() -> None:
    result = RiskAssessment()
    assert (result.is_risk, result.severity, result.categories) == (False, None, ())


def test_every_hit_uses_a_known_category_and_severity(detector: RiskDetector) -> None:
    texts = [
        "i want to die and i'm going to kill myself tonight, he hits me, i cut myself",
        "i want to stab him",
        "kys",
    ]
    for text in texts:
        for hit in detector.assess(text).hits:
            assert hit.category in CATEGORIES
            severity_rank(hit.severity)


def test_default_lexicon_path_is_optional() -> None:
    assert RiskDetector(Path("/nonexistent/srl.json")).lexicon_label == "curated"


# ------------------------------------------------------------------- review: missed risk
@pytest.mark.parametrize(("text", "category", "min_severity"), CASES["review_missed_risk_escalates"])
def test_review_missed_risk_escalates(detector: RiskDetector, text: str, category: str, min_severity: str) -> None:
    result = detector.assess(text)
    assert category in result.categories, (result.categories, result.guarded)
    assert severity_rank(result.severity) >= severity_rank(min_severity)


@pytest.mark.parametrize("text", CASES["review_false_alarms_do_not_escalate"])
def test_review_false_alarms_do_not_escalate(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk, [(hit.rule, hit.text) for hit in result.hits]


@pytest.mark.parametrize(
    "earnest", ["and im not joking", "no joke", "for real", "i'm serious", "i mean it", "i'm not even kidding"]
)
def test_saying_it_is_no_joke_cancels_the_hyperbole_guard(detector: RiskDetector, earnest: str) -> None:
    assert not detector.assess("i could kill my brother").is_risk
    assert "harm_to_others" in detector.assess(f"i could kill my brother {earnest}").categories


@pytest.mark.parametrize(
    "text", ["this exam is killing me, not joking", "i'd kill for a coffee for real", "i'm gonna kill my sister lol"]
)
def test_no_joke_does_not_cancel_idioms_or_a_plain_joke(detector: RiskDetector, text: str) -> None:
    assert not detector.assess(text).is_risk


def test_an_adult_hurt_by_someone_else_is_support_talk_unless_it_is_happening_now(detector: RiskDetector) -> None:
    result = detector.assess("my friend's boyfriend hits her")
    assert not result.is_risk
    assert any(reason.startswith("third_party:") for reason in result.guarded)
    assert detector.assess("her boyfriend is hitting her right now").categories == ("abuse_danger",)


def test_a_child_hurt_in_the_past_is_support_talk(detector: RiskDetector) -> None:
    result = detector.assess("my little sister was abused years ago")
    assert not result.is_risk
    assert any(reason.startswith("historical:") for reason in result.guarded)


def test_the_person_own_past_abuse_still_counts(detector: RiskDetector) -> None:
    result = detector.assess("my dad used to hit me when i was a kid")
    assert result.categories == ("abuse_danger",)
    assert result.severity == "low"


@pytest.mark.parametrize("text", CASES["being_hit_still_escalates"])
def test_being_hit_still_escalates(detector: RiskDetector, text: str) -> None:
    assert "abuse_danger" in detector.assess(text).categories


def test_hit_about_feelings_is_reported_as_an_idiom(detector: RiskDetector) -> None:
    guarded = detector.assess("losing my grandad is really hitting me").guarded
    assert any(reason.startswith("idiom:") for reason in guarded)


@pytest.mark.parametrize("text", CASES["accident_words_do_not_hide_deliberate_self_harm"])
def test_accident_words_do_not_hide_deliberate_self_harm(detector: RiskDetector, text: str) -> None:
    assert "self_harm" in detector.assess(text).categories


@pytest.mark.parametrize(("raw", "expected"), CASES["my_self_harm_is_not_myself"])
def test_my_self_harm_is_not_myself(normalize: Normalizer, raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


# ------------------------------------------------- issue 12: the most dangerous kinds, by rule
@pytest.mark.parametrize(("text", "category"), CASES["dangerous_kinds_escalate"])
def test_dangerous_kinds_escalate(detector: RiskDetector, text: str, category: str) -> None:
    result = detector.assess(text)
    assert category in result.categories, ([(hit.rule, hit.text) for hit in result.hits], result.guarded)


@pytest.mark.parametrize("text", CASES["dangerous_kinds_done_or_at_hand_grade_imminent"])
def test_dangerous_kinds_done_or_at_hand_grade_imminent(detector: RiskDetector, text: str) -> None:
    assert detector.assess(text).severity == "imminent"


@pytest.mark.parametrize("text", CASES["dangerous_kind_rules_leave_everyday_words_alone"])
def test_dangerous_kind_rules_leave_everyday_words_alone(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk, [(hit.rule, hit.text) for hit in result.hits]


# ------------------- issue 12, round 3: new rules and guards (found on dev and on the train split's rows)
ROUND_3_DISCLOSURES = [
    # slang and dialect
    ("gonna top meself, cant hack it anymore", "active_ideation"),
    ("been thinking about necking myself", "active_ideation"),
    ("honestly i want to do myself in", "active_ideation"),
    ("a keep thinkin aboot toppin masel", "active_ideation"),
    ("ah want tae kill masel", "active_ideation"),
    ("took a load of my nan's heart tablets and i feel weird", "plan_intent"),
    ("took heaps of the pills from the cupboard", "plan_intent"),
    ("searched how high the bridge over the bypass is", "plan_intent"),
    ("been lookin up how many it wid take", "plan_intent"),
    # found on dev
    ("i want to go to sleep and not get up", "passive_ideation"),
    ("hoping i never see another morning", "passive_ideation"),
    ("honestly i've given up on life", "passive_ideation"),
    ("no point to living like this", "passive_ideation"),
    ("theres no point any more", "passive_ideation"),
    ("honestly i don't see a reason to carry on", "passive_ideation"),
    ("no one would cry for me at the funeral", "passive_ideation"),
    ("sometimes i wish my dad never had me", "passive_ideation"),
    ("bas mar jaana hai ab", "passive_ideation"),
    ("i wan die, i no fit again", "passive_ideation"),
    ("keep thinking about driving off the bridge", "active_ideation"),
    ("hope my car crashes on the way to work", "active_ideation"),
    ("i'm not going to be around much longer, i know it", "plan_intent"),
    ("i'm not going to be a burden to my mum much longer", "plan_intent"),
    ("been reading what happens if you overdose", "plan_intent"),
    ("got everything i need now, stashed it in the attic", "plan_intent"),
    ("punched the bathroom tiles with my fist on purpose", "self_harm"),
    ("i bang my head against the wall when i'm angry at myself", "self_harm"),
    ("i burn my arm with the lighter and pretend it was an accident", "self_harm"),
    ("sometimes i think i could snap and kill somebody", "harm_to_others"),
    ("my stepbrother creeps into my room when everyone's asleep", "abuse_danger"),
    ("some guy tried to drag me into his car", "abuse_danger"),
    ("my ex's mate keeps sending me threats on insta", "abuse_danger"),
    ("a man online is threatening to share my photos unless i pay", "abuse_danger"),
    ("my da batters me when he's had a drink", "abuse_danger"),
    # found on the train split's rows
    # ingestion already done
    ("i took all of my codeine an hour ago", "plan_intent"),
    ("swallowed the whole blister pack before bed", "plan_intent"),
    ("had an od last night and didnt tell anyone", "plan_intent"),
    ("took my sleeping pills with half a bottle of vodka", "plan_intent"),
    ("drank weedkiller from the garage", "plan_intent"),
    ("took too much on purpose and my ears are ringing", "plan_intent"),
    ("i overdosd, sorry", "plan_intent"),
    # means at hand
    ("my pistol is on the table and the kids are out", "plan_intent"),
    ("the shotgun's across my knees", "plan_intent"),
    ("there's a cord round my neck", "plan_intent"),
    ("sitting in the bath with a razor", "plan_intent"),
    ("sat in the garage with the engine running and the door shut", "plan_intent"),
    ("i've had the tablets in my pocket all day", "plan_intent"),
    ("i'm on the roof of the multistorey", "plan_intent"),
    ("standing at the edge of the platform", "plan_intent"),
    ("i'm on the footbridge over the motorway", "plan_intent"),
    # injury done
    ("my wrist, i cut it before bed", "self_harm"),
    ("slammed my hand in the door on purpose and it's swollen", "self_harm"),
    ("i cut my wrist in the shower", "self_harm"),
    ("i've done something to myself and there's blood", "self_harm"),
    # a decided date, a plan with a time
    ("tonights the night, i'm ready now", "plan_intent"),
    ("i'll do it while everyone is out, my decision's made", "plan_intent"),
    ("it'll be friday, no one can stop me", "plan_intent"),
    ("i won't be here by then", "plan_intent"),
    ("there won't be a next week for me", "plan_intent"),
    # typed as an exercise answer
    ("the clock, the sofa, the window, and the tablets i counted out", "plan_intent"),  # grounding/see
    ("lamp, bed, phone, the pills i've been saving", "plan_intent"),
    ("desk, mug, the meds in my drawer i'm planning to use", "plan_intent"),
    ("nothing helped. i've kept back enough pills now", "plan_intent"),  # strengths/what_helped
    ("honestly i already bought the tablets", "plan_intent"),  # problem_solving/first_step
    ("a bit spaced out, i took some pills before we started and my heart is racing", "plan_intent"),
    ("dizzy, the tablets i swallowed are kicking in", "plan_intent"),  # breathing/felt
    ("my mate, but i already said goodbye to him", "plan_intent"),  # support_network/people
    ("no one, i've written my letters", "plan_intent"),
    ("my dog, she's the only reason i'm still here", "passive_ideation"),  # gratitude/good_things
    ("just end it", "passive_ideation"),  # problem_solving/options
    ("to die", "passive_ideation"),
    ("the only one option i can see is dying", "passive_ideation"),
    ("my arm, cut it last night", "self_harm"),  # muscle_relaxation/check_body
    ("when i stopped cutting at school. i've started again", "self_harm"),  # strengths/hard_time
    ("i can't call anyone, he took my phone and i'm hiding", "abuse_danger"),  # support_network/back_up
    ("nobody, he's outside my door and i can't call anyone", "abuse_danger"),
    ("i keep researching how to die without it hurting", "plan_intent"),  # journaling/write
    ("been looking at bridges round here and how high they are", "plan_intent"),
    ("a'll no be here by then", "plan_intent"),  # small_goal/when
]
ROUND_3_EVERYDAY = [
    "topped up my phone credit",
    "top myself up with another coffee",
    "necking a pint with the lads",
    "i did myself in at the gym, legs are wrecked",
    # saying a wish to die was not meant
    "i only said i want to die as a joke, not literally",
    # hurt feelings, an adult relative's partner, insults in a game
    "she hurt me so much when she lied about it",
    "my niece's husband hits her and nobody says anything",
    "randoms in my lobby were abusing me all match",
    # a parent cross about a trivial thing, giving away old things
    "my mum will kill me when she sees what i did to the car",
    "gave away all my old uniform to the younger kids",
    "i could sleep and never get up lol",
    "the doctors said she might not see the morning",
    "i can't see any reason to go on holiday this year",
    "no point anymore in asking him",
    "i hope the server crashes so the exam is cancelled",
    "banged my head off the cupboard door",
    "it's like banging my head against a brick wall",
    "can you grab me a coffee",
    "the council keeps sending me threats about the tax",
    "wish they never had me on the rota",
    "i've made my mind up, i'm packing in the booze for january",
    "bought everything i need for the party, it's hidden in the boot",
    "i'm on the bridge, stuck in traffic, i'll be late",
    "i just want it all to be over, this exam season is brutal",
    # an exercise answer about doing a task
    "i'll do it tomorrow after work",
    "if it rains ill do it on sunday",
    "im gonna do it tonight before dinner",
    # a parent or boss cross about a mishap
    "my dad will kill me, i dented the car",
    "my boss will murder me if this release fails",
    "my mum will kill me when she sees i've cut my fringe",
    # a joke reported, a negation with 'once', a history, somebody else's death
    "my cousin keeps saying kms as a joke, it bugs me",
    "never once thought of hurting myself, i'm just tired",
    "in college i had suicidal thoughts but i'm fine now",
    "two farmers near us died by suicide this year",
    # goodbyes and plans that are not
    "said my goodbyes to the old flat today, we sold it",
    "wrote goodbye cards for my teammates, i'm starting a new job",
    "i'm going to my mum's so i won't be here by then",
    # words of games, phones, coursework, medicine, parents
    "that play was a suicide mission lol",
    "my phone's on 3% it's going to die",
    "reading about lethal doses for my toxicology module",
    "i have my insulin with me, i always carry it",
    "my dad won't let me go to the party on friday",
    "they kicked me out of the group chat",
    "my pill box, the kettle, a mug, the paracetamol i bought for my cold",
    "a bit drowsy, my meds make me sleepy",
    "i already said goodbye to her at the airport",
    "i've written my letters to the council about the bins",
    "i'd die without my morning coffee",
    "i keep my pills in my drawer",
    "finish my cover letters for the job applications",
    "my mum, she took my phone because i was on it all night",
]


@pytest.mark.parametrize(("text", "category"), ROUND_3_DISCLOSURES)
def test_round_three_disclosures_escalate(detector: RiskDetector, text: str, category: str) -> None:
    result = detector.assess(text)
    assert category in result.categories, ([(hit.rule, hit.text) for hit in result.hits], result.guarded)


@pytest.mark.parametrize("text", ROUND_3_EVERYDAY)
def test_round_three_everyday_words_do_not_escalate(detector: RiskDetector, text: str) -> None:
    result = detector.assess(text)
    assert not result.is_risk, [(hit.rule, hit.text) for hit in result.hits]


def test_saying_a_wish_to_die_was_meant_still_escalates(detector: RiskDetector) -> None:
    assert "passive_ideation" in detector.assess("i said i want to die and i meant it").categories


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("goodbye everyone, this is my last message", True),
        ("im off to sleep now, goodbye", False),
        ("gave away all my clothes to the charity shop", False),
        ("gave away all my stuff to my brother", True),
        ("took two paracetamol for my headache", False),
        ("my inhaler is here with me", False),
        ("a walk up the hill on a sunday sorts me", False),
        ("i go to church every sunday", False),
        ("it happened last friday", False),
    ],
)
def test_goodnights_donations_everyday_medicine_and_habits_are_not_imminent_cues(text: str, cue: bool) -> None:
    from bot.risk.severity import imminent_cue

    assert bool(imminent_cue(text)) is cue
