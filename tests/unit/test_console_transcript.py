"""The transcript as a counselor reads it: highlighted risk words, escaping, markers, pause state,
screener answers and exercise history. Conversations are written through the real tracker store."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from rasa.shared.core.events import BotUttered, ConversationPaused, ConversationResumed, Restarted

from bot import conversations
from bot.console import transcript
from bot.risk.model import RiskHit
from tests.support.console import Turn, hit, save_conversation, usage
from tests.support.steady_env import SteadyPaths


def stored(message: str, words: str) -> RiskHit:
    return RiskHit.from_dict(hit(message, words))


def test_only_the_matched_ranges_are_marked_and_everything_else_is_escaped() -> None:
    message = '<b>x</b> i want to kill myself & "die"'
    ranges = transcript.hit_ranges(message, [stored(message, "kill myself"), stored(message, "die")])
    html = str(transcript.highlight(message, ranges))
    assert html == "&lt;b&gt;x&lt;/b&gt; i want to <mark>kill myself</mark> &amp; &#34;<mark>die</mark>&#34;"


def test_a_highlight_inside_markup_like_text_cannot_break_out() -> None:
    message = "<script>end my life</script>"
    html = str(transcript.highlight(message, transcript.hit_ranges(message, [stored(message, "end my life")])))
    assert html == "&lt;script&gt;<mark>end my life</mark>&lt;/script&gt;"


@pytest.mark.parametrize(
    ("ranges", "expected"),
    [
        ([(0, 4), (2, 6)], "<mark>abcdef</mark>gh"),  # overlapping ranges merge
        ([(6, 99)], "abcdef<mark>gh</mark>"),  # clamped to the text
        ([(5, 3), (20, 30)], "abcdefgh"),  # empty and outside ranges are ignored
    ],
)
def test_ranges_are_merged_and_clamped(ranges: list, expected: str) -> None:
    assert str(transcript.highlight("abcdefgh", ranges)) == expected


def test_a_hit_whose_offsets_do_not_fit_is_found_by_its_words() -> None:
    message = "honestly i want to die"
    stale = RiskHit.from_dict({"start": 0, "end": 3, "text": "want to die"})
    assert transcript.hit_ranges(message, [stale]) == [(11, 22)]
    assert transcript.hit_ranges(message, [RiskHit.from_dict({"start": 0, "end": 3, "text": "absent"})]) == []


def test_lines_come_from_the_tracker_store_with_risk_marked_and_counselor_lines_told_apart(
    steady_env: SteadyPaths,
) -> None:
    words = "i keep thinking about ending my life"
    turns = [
        Turn("hello", bot="Hi, I'm Steady, an automated assistant."),
        Turn(words, [hit(words, "ending my life")], bot="Thank you for telling me."),
    ]
    counselor = BotUttered("Hi, I'm Sam.", metadata={"counselor": "sam"})
    save_conversation("conv-1", turns, extra_events=[ConversationPaused(), counselor, ConversationResumed()])
    lines = transcript.lines("conv-1")
    shown = [(line.kind, line.text) for line in lines]
    assert shown == [
        ("marker", transcript.MARKERS["session_started"]),
        ("user", "hello"),
        ("bot", "Hi, I'm Steady, an automated assistant."),
        ("user", words),
        ("bot", "Thank you for telling me."),
        ("marker", transcript.MARKERS["pause"]),
        ("counselor", "Hi, I'm Sam."),
        ("marker", transcript.MARKERS["resume"]),
    ]
    assert "<mark>ending my life</mark>" in str(lines[3].html)
    later = transcript.lines("conv-1", after_id=lines[4].event_id)
    assert [line.kind for line in later] == ["marker", "counselor", "marker"]
    assert transcript.lines("someone-else") == []


def test_escalation_spans_highlight_a_message_whose_parse_data_has_no_risk(steady_env: SteadyPaths) -> None:
    turn = Turn("nobody would miss me")
    save_conversation("conv-2", [turn])
    span = {**hit(turn.user, "nobody would miss me", "moderate"), "message_id": turn.message_id}
    [line] = [line for line in transcript.lines("conv-2", spans=[span]) if line.kind == "user"]
    assert str(line.html) == "<mark>nobody would miss me</mark>"


def test_paused_follows_the_latest_pause_resume_restart_or_new_session(steady_env: SteadyPaths) -> None:
    save_conversation("conv-3", [Turn("hi")])
    assert not conversations.is_paused("conv-3")
    save_conversation("conv-3", [], extra_events=[ConversationPaused()])
    assert conversations.is_paused("conv-3")
    save_conversation("conv-3", [Turn("restart")], extra_events=[Restarted()])
    assert not conversations.is_paused("conv-3"), "Rasa's built-in restart ends a pause"
    assert transcript.latest_input_channel("conv-3") == "socketio"


def test_no_tracker_table_yet_means_an_empty_transcript(steady_env: SteadyPaths) -> None:
    assert transcript.lines("conv-x") == [] and not conversations.is_paused("conv-x")


def test_screener_answers_are_listed_in_the_order_asked() -> None:
    summary = transcript.cssrs_summary({"plan": "declined", "wish_dead": "yes", "thoughts": "unclear", "method": None})
    assert summary == [
        (transcript.CSSRS_QUESTIONS["wish_dead"], "Yes"),
        (transcript.CSSRS_QUESTIONS["thoughts"], "Unclear answer"),
        (transcript.CSSRS_QUESTIONS["plan"], "Declined to answer"),
    ]


def test_exercise_history_pairs_ratings_by_run_and_lists_check_ins(steady_env: SteadyPaths) -> None:
    start = datetime(2025, 3, 1, 21, 0)
    usage("p-1", "checkin", step="mood_anxious", value=7, at=start)
    steps = (
        ("start", None, None, 1),
        ("rating", "before", 8, 2),
        ("step", None, None, 3),
        ("skip", None, None, 4),
        ("rating", "after", 5, 5),
        ("complete", None, None, 6),
    )
    for kind, phase, value, minutes in steps:
        usage(
            "p-1",
            kind,
            exercise="grounding",
            run_id="run-a",
            phase=phase,
            value=value,
            at=start + timedelta(minutes=minutes),
        )
    usage("p-1", "start", exercise="breathing", run_id="run-b", at=start + timedelta(hours=1))
    usage("p-1", "abandon", exercise="breathing", run_id="run-b", at=start + timedelta(hours=1, minutes=1))
    usage("p-2", "start", exercise="grounding", run_id="run-c", at=start)
    runs, checkins = transcript.exercise_history("p-1")
    assert [(run.exercise, run.ended, run.before, run.after, run.change) for run in runs] == [
        ("breathing", "abandoned", None, None, None),
        ("grounding", "completed", 8, 5, -3),
    ]
    assert (runs[1].steps_done, runs[1].steps_skipped) == (1, 1)
    assert [(checkin.mood, checkin.rating) for checkin in checkins] == [("mood_anxious", 7)]


def test_a_tapped_button_reads_as_its_title_not_as_a_slash_command(steady_env: SteadyPaths) -> None:
    buttons = [{"title": "Yes, let's try", "payload": "/affirm"}]
    offer = BotUttered("Would you like to try one?", data={"buttons": buttons})
    save_conversation("conv-tap", [Turn("/greet", bot=None)], extra_events=[offer])
    save_conversation("conv-tap", [Turn("/affirm")])
    said = [line.text for line in transcript.lines("conv-tap") if line.kind == "user"]
    assert said == ["[tapped a button]", "[tapped “Yes, let's try”]"]
    assert not any(text.startswith("/") for text in said)
