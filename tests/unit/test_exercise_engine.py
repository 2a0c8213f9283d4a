"""The exercise engine walks the clinician-written scripts in bot/content/ one answer at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import CONTENT_DIR
from bot.exercises import (
    RATING_AFTER,
    RATING_BEFORE,
    Engine,
    RunState,
    content_problems,
    fill,
    load_common,
    load_exercises,
    parse_number,
    split_items,
)
from bot.exercises.listening import is_question


def engine_for(exercise_id: str) -> tuple[Engine, RunState]:
    return Engine(load_exercises()[exercise_id]), RunState(exercise_id, f"run-{exercise_id}")


def answer_all(engine: Engine, state: RunState, answers: list[str]) -> list:
    outcomes = []
    for text in answers:
        outcomes.append(engine.answer(state, text))
        if outcomes[-1].finished:
            break
    return outcomes


def test_every_script_in_the_repository_is_complete() -> None:
    assert content_problems() == []
    assert set(load_exercises()) >= {"grounding", "breathing", "thought_record", "problem_solving"}


def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    (target / "exercises").mkdir(parents=True)
    (target / "common.yml").write_text((CONTENT_DIR / "common.yml").read_text())
    for path in (CONTENT_DIR / "exercises").glob("*.yml"):
        (target / "exercises" / path.name).write_text(path.read_text())
    return target


def test_the_content_check_names_a_step_without_a_prompt(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    path = content / "exercises" / "grounding.yml"
    data = yaml.safe_load(path.read_text())
    del data["steps"][1]["prompt"]
    path.write_text(yaml.safe_dump(data))
    problems = content_problems(content)
    assert len(problems) == 1 and "grounding.yml" in problems[0] and "prompt" in problems[0]


def test_the_content_check_names_broken_references_and_missing_common_lines(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    path = content / "exercises" / "problem_solving.yml"
    data = yaml.safe_load(path.read_text())
    picker = next(step for step in data["steps"] if step["kind"] == "pick_from")
    picker["source"] = "nonexistent"
    path.write_text(yaml.safe_dump(data))
    common = yaml.safe_load((content / "common.yml").read_text())
    common["closing"]["worse"] = []
    (content / "common.yml").write_text(yaml.safe_dump(common))
    problems = content_problems(content)
    assert any("nonexistent" in problem for problem in problems)
    assert any("closing.worse" in problem for problem in problems)


def test_grounding_asks_one_sense_at_a_time_and_reflects_answers() -> None:
    engine, state = engine_for("grounding")
    assert [step.id for step in engine.steps][0] == RATING_BEFORE
    assert engine.answer(state, "8").logs[0].value == 8.0
    seen = engine.prompt(state)[-1]["text"]
    outcome = engine.answer(state, "a lamp, my phone, the window, a mug, my cat")
    assert not outcome.finished and state.answers["see"].startswith("a lamp")
    next_prompt = engine.prompt(state)[-1]["text"]
    assert next_prompt != seen  # moved on to touch
    if engine.exercise.steps[0].reflect:
        assert outcome.messages, "a short reflection follows each answer"


def test_a_whole_grounding_run_logs_ratings_and_closes_on_the_change() -> None:
    engine, state = engine_for("grounding")
    outcomes = answer_all(engine, state, ["9", "desk", "i don't know", "traffic", "coffee", "skip", "done", "4"])
    assert outcomes[-1].finished and outcomes[-1].ended_by is None
    ratings = [log for outcome in outcomes for log in outcome.logs if log.kind == "rating"]
    assert [(log.phase, log.value) for log in ratings] == [("before", 9.0), ("after", 4.0)]
    skipped = [log.step for outcome in outcomes for log in outcome.logs if log.kind == "skip"]
    assert skipped == ["touch", "taste"]
    better = {
        fill(line, before=9, after=4, exercise=engine.exercise.call_it)
        for line in load_common().lines("closing", "much_better")
    }
    assert engine.closing(state) in better


def test_stop_and_something_else_end_the_run_at_any_step() -> None:
    engine, state = engine_for("thought_record")
    engine.answer(state, "6")
    assert engine.answer(state, "stop").ended_by == "stop"
    engine, state = engine_for("problem_solving")
    assert engine.answer(state, "something else").ended_by == "switch"
    engine, state = engine_for("grounding")
    engine.answer(state, "5")
    stopped = engine.answer(state, "i want to stop", intent="stop", confidence=0.95)
    assert stopped.finished and stopped.ended_by == "stop"


def test_a_long_answer_that_mentions_stopping_is_still_an_answer() -> None:
    engine, state = engine_for("thought_record")
    engine.answer(state, "6")
    text = "my boss told me to stop wasting time in the meeting and everyone heard it"
    outcome = engine.answer(state, text, intent="stop", confidence=0.9)
    assert not outcome.finished and state.answers["situation"] == text


def test_unusable_answers_are_reasked_once_then_the_run_moves_on() -> None:
    engine, state = engine_for("breathing")
    first = engine.answer(state, "pretty bad honestly")
    assert not first.finished and state.step_index == 0 and first.messages
    second = engine.answer(state, "i really can't say")
    assert state.step_index == 1, "never loops on the same question"
    assert second.logs[0].kind == "rating" and second.logs[0].value is None


def test_breathing_sends_a_pacing_payload_built_from_the_choices() -> None:
    engine, state = engine_for("breathing")
    answer_all(engine, state, ["7", "4-7-8", "5"])
    messages = engine.prompt(state)
    pacer = next(message["custom"] for message in messages if message.get("custom"))
    assert pacer["type"] == "breathing_pacer" and pacer["pattern"] == "478" and pacer["rounds"] == 5
    assert [phase["seconds"] for phase in pacer["phases"]] == [4, 7, 8]
    assert pacer["total_seconds"] == 5 * 19
    assert "4" in pacer["fallback_text"] and "8" in pacer["fallback_text"]


def test_skipping_the_pattern_choice_falls_back_to_the_first_pattern() -> None:
    engine, state = engine_for("breathing")
    answer_all(engine, state, ["7", "skip", "3"])
    pacer = next(message["custom"] for message in engine.prompt(state) if message.get("custom"))
    assert pacer["pattern"] == "box" and pacer["rounds"] == 3


def test_thought_record_offers_distortions_with_explanations_and_takes_several() -> None:
    engine, state = engine_for("thought_record")
    step = next(step for step in engine.exercise.steps if step.id == "distortions")
    assert len(step.options) >= 10 and all(option.get("explain") for option in step.options[:-1])
    answer_all(engine, state, ["7", "a meeting", "they think im useless", "shame", "80"])
    offered = [b["payload"] for b in engine.prompt(state)[-1]["buttons"]]
    assert offered[0] == "mind_reading" and "labelling" in offered[:4], "the likely traps for 'they think im useless'"
    assert offered[-2:] == ["none", "show all"] and len(offered) == 6
    engine.answer(state, "show all")
    assert [b["payload"] for b in engine.prompt(state)[-1]["buttons"]] == [o["value"] for o in step.options]
    first, second = step.options[0], step.options[1]
    engine.answer(state, f"{first['label']}, {second['value']}")
    assert state.answers["distortions"] == [first["value"], second["value"]]


def test_problem_solving_needs_three_options_and_picks_from_the_persons_own() -> None:
    engine, state = engine_for("problem_solving")
    answer_all(engine, state, ["6", "rent is late"])
    short = engine.answer(state, "ask for more time")
    assert not short.finished
    too_soon = engine.answer(state, "done")
    assert too_soon.messages and state.answers["options"] == ["ask for more time"]
    engine.answer(state, "borrow from my sister; pick up an extra shift")
    assert engine.prompt(state)[-1]["buttons"], "a 'that's all' button once three are in"
    engine.answer(state, "done")
    engine.answer(state, "extra shift is tiring but pays")
    buttons = engine.prompt(state)[-1]["buttons"]
    assert [b["title"] for b in buttons] == ["ask for more time", "borrow from my sister", "pick up an extra shift"]
    engine.answer(state, "2")
    assert state.answers["chosen"] == "borrow from my sister"
    finished = answer_all(engine, state, ["text her tonight", "tonight at 8", "7", "3"])[-1]
    assert finished.finished
    summary = engine.summary(state.answers)
    assert "borrow from my sister" in summary and "text her tonight" in summary


def test_summary_marks_skipped_steps_instead_of_showing_placeholders() -> None:
    engine, _ = engine_for("thought_record")
    summary = engine.summary({"situation": "a meeting"})
    assert "a meeting" in summary and "{" not in summary


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        ("7/10", 7),
        ("about six", 6),
        ("like a 4 i guess", 4),
        ("ten", 10),
        ("11", None),
        ("meh", None),
        ("80%", None),
    ],
)
def test_parse_number_reads_ratings_the_way_people_type_them(text: str, expected: int | None) -> None:
    assert parse_number(text, 0, 10) == expected


def test_split_items_reads_lists() -> None:
    assert split_items("walk; call mum, sleep early") == ["walk", "call mum", "sleep early"]
    assert split_items("1. walk\n2. call mum") == ["walk", "call mum"]
    assert split_items("my sister, the gp, and my neighbour") == ["my sister", "the gp", "my neighbour"]
    assert split_items("oh and also my gran") == ["my gran"]
    assert split_items("salt and pepper, nathan") == ["salt and pepper", "nathan"]


def test_the_after_rating_comes_last_and_the_outro_before_it() -> None:
    engine, state = engine_for("breathing")
    state.step_index = len(engine.steps) - 1
    assert engine.steps[-1].id == RATING_AFTER
    texts = [message["text"] for message in engine.prompt(state)]
    assert texts[0] in engine.exercise.outro and len(texts) == 2


def test_a_one_word_answer_is_an_answer_whatever_the_classifier_guesses() -> None:
    engine, state = engine_for("grounding")
    engine.answer(state, "6")
    for word, guess in (("mint", "skip"), ("traffic", "stop"), ("lamp", "show_menu")):
        outcome = engine.answer(state, word, intent=guess, confidence=0.99)
        assert not outcome.finished and outcome.logs[0].kind == "step", word


def test_choices_show_their_explanations_and_reflect_the_label_not_the_value() -> None:
    engine, state = engine_for("breathing")
    engine.answer(state, "6")
    asked = engine.prompt(state)[-1]["text"]
    pattern = engine.exercise.steps[0]
    assert all(option["explain"] in asked for option in pattern.options if option.get("explain"))
    engine.answer(state, "box")
    assert engine.display(pattern, "478") == next(o["label"] for o in pattern.options if o["value"] == "478")


def test_a_pick_from_step_is_skipped_when_the_list_it_picks_from_is_empty() -> None:
    engine, state = engine_for("problem_solving")
    answer_all(engine, state, ["6", "rent", "skip"])
    outcome = engine.answer(state, "none really")  # pros and cons
    assert engine.steps[state.step_index].kind != "pick_from"
    assert any(log.kind == "skip" and log.step == "chosen" for log in outcome.logs)


def test_yes_and_no_options_accept_everyday_spellings() -> None:
    engine, state = engine_for("seek_help")
    engine.answer(state, "4")
    first = engine.steps[state.step_index]
    engine.answer(state, "nah")
    assert state.answers[first.id] == "no"


def test_a_channel_command_like_slash_stop_ends_the_run_at_a_rating_step() -> None:
    engine, state = engine_for("breathing")
    assert engine.answer(state, "/stop", intent="stop", confidence=1.0).ended_by == "stop"
    engine, state = engine_for("breathing")
    assert engine.answer(state, "/show_menu", intent="show_menu", confidence=1.0).ended_by == "switch"


@pytest.mark.parametrize("text", ["can you give me an example", "is it normal to feel this dizzy",
                                  "do people really do this", "wait what", "does everyone feel like this",
                                  "what do you mean", "cant i just skip"])
def test_questions_are_heard_as_questions(text: str) -> None:
    assert is_question(text)


@pytest.mark.parametrize("text", ["do one essay at a time; ask a friend to study with me", "do more exercise",
                                  "would be nice to sleep more", "can opener, kettle, mug"])
def test_answers_that_start_like_a_question_are_answers(text: str) -> None:
    assert not is_question(text)
