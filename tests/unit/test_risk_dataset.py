"""The written-corpus loader and the split builder of the risk scorer."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.risk.dataset import CorpusError, Row, read_written
from bot.risk.eval.splits import deduplicated, without_leaks
from bot.risk.forum_data import split_of

FIXTURE = Path(__file__).parents[1] / "risk" / "fixtures" / "written_sample.tsv"
HEADER = "text\tlabel\tcategory\tseverity\tkind\tcontext\n"


def test_a_written_file_goes_whole_to_the_split_its_header_names() -> None:
    written = read_written(FIXTURE)
    assert (written.writer, written.split) == ("fixture_writer", "dev")
    assert "not copied" in written.provenance
    pills = written.rows[0]
    assert (pills.label, pills.category, pills.severity, pills.kind) == ("risk", "plan_intent", "imminent",
                                                                          "means_at_hand")
    grounding = written.rows[1]
    assert grounding.is_exercise_answer and grounding.exercise_step == ("grounding", "see")
    assert {row.source for row in written.rows} == {"fixture_writer"}


def test_a_file_without_a_split_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "someone.tsv"
    path.write_text("# writer: someone\n" + HEADER + "hello\tsafe\t-\t-\tsmall_talk\t-\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="split"):
        read_written(path)


@pytest.mark.parametrize("line", ["hello\tmaybe\t-\t-\tsmall_talk\t-", "i want to die\trisk\tsadness\tlow\tpassive\t-",
                                  "my cat\tsafe\tself_harm\t-\tsmall_talk\t-"])
def test_a_row_with_an_unknown_label_or_category_is_refused(tmp_path: Path, line: str) -> None:
    path = tmp_path / "w.tsv"
    path.write_text("# writer: w   # split: train\n" + HEADER + line + "\n", encoding="utf-8")
    with pytest.raises(CorpusError):
        read_written(path)


def test_a_text_is_never_in_two_splits_and_test_keeps_it() -> None:
    splits = {
        "train": [Row("I want to die", "risk"), Row("my cat", "safe")],
        "dev": [Row("i want  to die", "risk"), Row("the bus was late", "safe")],
        "test": [Row("I WANT TO DIE", "risk")],
    }
    clean = without_leaks(splits)
    assert [row.text for row in clean["test"]] == ["I WANT TO DIE"]
    assert [row.text for row in clean["dev"]] == ["the bus was late"]
    assert [row.text for row in clean["train"]] == ["my cat"]
    assert len(deduplicated([Row("a b", "safe"), Row("A  b", "safe")])) == 1


def test_forum_sentences_split_by_a_stable_hash_of_their_words() -> None:
    assert split_of("I want to die") == split_of("  i want TO die ")
    assert {split_of(f"sentence number {n}") for n in range(200)} == {"train", "dev", "test"}
