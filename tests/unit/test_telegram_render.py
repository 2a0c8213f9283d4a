"""The pure parts of the Telegram channel: keyboards, button data, splitting, breathing frames."""

from __future__ import annotations

import pytest

from bot.channels.telegram.pacer import EditBudget
from bot.channels.telegram.render import (
    CALLBACK_LIMIT,
    TEXT_LIMIT,
    PayloadStore,
    callback_data,
    keyboard,
    offered_data,
    pacer_frames,
    payload_of,
    row_width,
    split_message,
    utf16_length,
)
from tests.support.pacers import box_pacer

BOX = box_pacer(rounds=3)


# ---------------------------------------------------------------- buttons


def test_short_payloads_travel_in_the_button_and_come_back_unchanged() -> None:
    store = PayloadStore()
    for payload in ["7", "box", '/request_exercise{"exercise": "grounding"}', "/show_menu"]:
        data = callback_data(payload, store)
        assert len(data.encode()) <= CALLBACK_LIMIT
        assert payload_of(data, store) == payload


def test_a_long_payload_goes_through_a_short_key_stored_server_side() -> None:
    store = PayloadStore()
    payload = '/request_exercise{"exercise": "thought_record", "note": "' + "é" * 40 + '"}'
    data = callback_data(payload, store)
    assert len(data.encode()) <= CALLBACK_LIMIT
    assert payload not in data
    assert payload_of(data, store) == payload
    assert payload_of(data, PayloadStore()) is None, "another store (after a restart) does not know it"
    assert callback_data(payload, store) == data, "the same payload always gets the same key"


def test_the_store_forgets_its_oldest_payloads_beyond_its_capacity() -> None:
    store = PayloadStore(capacity=2)
    first, second, third = (callback_data(f"/x{'y' * 70}{n}", store) for n in range(3))
    assert payload_of(first, store) is None
    assert payload_of(second, store) is not None and payload_of(third, store) is not None


def test_unknown_button_data_stands_for_nothing() -> None:
    assert payload_of("", PayloadStore()) is None
    assert payload_of("zsomething", PayloadStore()) is None
    assert payload_of("fyes", PayloadStore()) is None, "the /forget answer is not a Rasa payload"


@pytest.mark.parametrize(
    ("titles", "width"),
    [
        (["0", "1", "10"], 6),
        (["Yes", "No", "Skip"], 6),
        (["3 rounds", "4 rounds"], 3),
        (["Box (4-4-4-4)", "4-7-8"], 2),
        (["Anxious or panicky", "Low"], 1),
    ],
)
def test_short_titles_sit_side_by_side_and_long_ones_one_per_row(titles: list[str], width: int) -> None:
    assert row_width(titles) == width


def test_rasa_buttons_become_an_inline_keyboard_in_their_order() -> None:
    store = PayloadStore()
    buttons = [{"title": str(n), "payload": str(n)} for n in range(11)]
    markup = keyboard(buttons, store)
    assert markup is not None
    rows = markup.inline_keyboard
    assert [len(row) for row in rows] == [6, 5]
    titles = [key.text for row in rows for key in row]
    assert titles == [str(n) for n in range(11)]
    assert [payload_of(data, store) for data in offered_data(markup)] == [str(n) for n in range(11)]


def test_url_buttons_stay_links_and_untitled_buttons_are_left_out() -> None:
    markup = keyboard(
        [{"title": "Find a helpline", "url": "https://findahelpline.com"}, {"payload": "x"}], PayloadStore()
    )
    assert markup is not None
    (row,) = markup.inline_keyboard
    assert len(row) == 1 and row[0].url == "https://findahelpline.com" and row[0].callback_data is None
    assert keyboard([], PayloadStore()) is None


# ---------------------------------------------------------------- splitting


def test_a_short_reply_is_one_part() -> None:
    assert split_message("  Hello there.  ") == ["Hello there."]
    assert split_message("") == []


def test_long_replies_split_at_paragraphs_first() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 300 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    parts = split_message(text)
    assert len(parts) > 1
    assert all(utf16_length(part) <= TEXT_LIMIT for part in parts)
    assert all(part.startswith("Paragraph") for part in parts), "every part starts at a paragraph"
    assert " ".join(" ".join(parts).split()) == " ".join(text.split()), "nothing lost or added"


def test_one_long_paragraph_splits_at_a_sentence_end() -> None:
    text = " ".join(f"Sentence number {n} is here." for n in range(400))
    parts = split_message(text)
    assert len(parts) > 1
    assert all(part.endswith(".") for part in parts)
    assert all(utf16_length(part) <= TEXT_LIMIT for part in parts)


def test_text_without_any_break_is_cut_hard_at_the_limit() -> None:
    parts = split_message("x" * 9000)
    assert [len(part) for part in parts] == [4096, 4096, 808]


def test_the_limit_counts_utf16_units_like_telegram() -> None:
    parts = split_message("🙂" * 3000)  # each emoji is two UTF-16 units
    assert all(utf16_length(part) <= TEXT_LIMIT for part in parts)
    assert "".join(parts) == "🙂" * 3000


# ---------------------------------------------------------------- pacer frames


def test_box_breathing_counts_every_second_of_every_round() -> None:
    frames = pacer_frames(BOX)
    assert len(frames) == 3 * 16 + 1
    assert [frame.at for frame in frames] == list(range(49))
    assert frames[0].text.endswith("Breathe in... 4")
    assert frames[3].text.endswith("Breathe in... 4 3 2 1")
    assert frames[4].text.endswith("Hold... 4")
    assert "Round 1 of 3" in frames[15].text and frames[15].text.endswith("Hold... 4 3 2 1")
    assert "Round 2 of 3" in frames[16].text and frames[16].text.endswith("Breathe in... 4")
    assert frames[-1].text == "Box breathing (4-4-4-4)\nDone: 3 rounds."


def test_consecutive_frames_always_differ_so_every_edit_changes_the_message() -> None:
    texts = [frame.text for frame in pacer_frames({**BOX, "rounds": 2})]
    assert all(a != b for a, b in zip(texts, texts[1:], strict=False))


def test_the_478_pattern_counts_its_own_lengths() -> None:
    pattern = {
        "label": "4-7-8 breathing",
        "rounds": 1,
        "phases": [
            {"say": "Breathe in gently", "seconds": 4},
            {"say": "Hold", "seconds": 7},
            {"say": "Breathe out slowly", "seconds": 8},
        ],
    }
    frames = pacer_frames(pattern)
    assert frames[10].text.endswith("Hold... 7 6 5 4 3 2 1")
    assert frames[18].text.endswith("Breathe out slowly... 8 7 6 5 4 3 2 1")
    assert frames[-1].text.endswith("Done: 1 round.")


@pytest.mark.parametrize(
    "broken",
    [
        {**BOX, "phases": []},
        {**BOX, "rounds": 0},
        {**BOX, "rounds": 1000},
        {**BOX, "phases": [{"say": "Breathe in", "seconds": 0}]},
        {**BOX, "phases": [{"say": "", "seconds": 4}]},
        {**BOX, "phases": [{"say": "Hold", "seconds": "four"}]},
    ],
)
def test_a_payload_that_cannot_be_paced_is_refused(broken: dict) -> None:
    with pytest.raises(ValueError):
        pacer_frames(broken)


# ---------------------------------------------------------------- edit budget


def test_the_edit_budget_allows_a_burst_then_its_rate() -> None:
    budget = EditBudget(per_second=2, burst=3)
    assert [budget.take(10.0) for _ in range(4)] == [True, True, True, False]
    assert budget.take(10.4) is False
    assert budget.take(10.6) is True, "two edits a second: one more after half a second"
    assert budget.take(100.0) and budget.take(100.0) and budget.take(100.0)
    assert budget.take(100.0) is False, "an idle bucket fills up to its burst, no further"


def test_a_guided_sequence_is_paced_one_line_per_frame_for_its_seconds() -> None:
    from bot.channels.telegram.render import paced_frames
    from bot.exercises import Engine, RunState, load_exercises

    engine = Engine(load_exercises()["body_scan"])
    state = RunState("body_scan", "run-1", step_index=1)
    guide = next(m["custom"] for m in engine.prompt(state) if m.get("custom"))
    assert guide["type"] == "guided_sequence" and "(15 seconds)" not in guide["fallback_text"]
    frames = paced_frames(guide)
    lines = guide["lines"]
    assert len(frames) == len(lines) + 1
    assert frames[0].at == 0 and frames[1].at == lines[0]["seconds"]
    assert frames[2].text.startswith(f"Body scan · 3 of {len(lines)}") and lines[2]["say"] in frames[2].text
    assert "Done" in frames[-1].text
    with pytest.raises(ValueError):
        paced_frames({"type": "guided_sequence", "lines": [{"say": "", "seconds": 5}]})
