"""The Suicide Risk Lexicon build step and loader, on a small wheel made here (no network)."""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import pytest

from bot.risk import RiskDetector
from bot.risk.lexicon import (
    CONSTRUCTS,
    LEXICON_DIR,
    WHEEL_NAME,
    build,
    main,
    read_lexicon_from_wheel,
    surface_phrases,
)
from bot.risk.lexicon_store import load_lexicon

PASSIVE = "Passive suicidal ideation"


def make_wheel(cache_dir: Path, lexicon: dict) -> Path:
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = cache_dir / WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("construct_tracker/__init__.py", "")
        archive.writestr(LEXICON_DIR + "suicide_risk_lexicon_validated_24-08-02T21-27-35.json", json.dumps(lexicon))
        archive.writestr(LEXICON_DIR + "suicide_risk_lexicon_validated_24-08-02T21-27-35_metadata.json", "{}")
    return wheel


def construct(surface: list[str], lemmatised: list[str]) -> dict:
    return {"tokens": surface + lemmatised, "definition": "..."}


@pytest.fixture
def wheel_lexicon() -> dict:
    return {
        PASSIVE: construct(
            ["Wish I Was Gone", "oblivion", "quiet forever wish"], ["wish I be go", "oblivion", "quiet forever wish"]
        ),
        "Direct self-injury": construct(["skin  picking"], ["skin pick"]),
        "Anxiety": construct(["worried sick"], ["worry sick"]),
    }


def test_surface_phrases_drop_lemmatised_repeats_and_single_words() -> None:
    tokens = ["I want out", "fade", "No Way Out", "I want out", "fade", "no way out"]
    assert surface_phrases(tokens) == ["i want out", "no way out"]


def test_read_lexicon_from_wheel_picks_the_validated_file(tmp_path: Path, wheel_lexicon: dict) -> None:
    member, data = read_lexicon_from_wheel(make_wheel(tmp_path, wheel_lexicon))
    assert member.endswith("validated_24-08-02T21-27-35.json")
    assert PASSIVE in data


def test_wheel_without_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    wheel = tmp_path / WHEEL_NAME
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(FileNotFoundError, match="suicide_risk_lexicon_validated_"):
        read_lexicon_from_wheel(wheel)


def test_build_uses_the_cached_wheel_and_writes_mapped_constructs(tmp_path: Path, wheel_lexicon: dict) -> None:
    make_wheel(tmp_path / "cache", wheel_lexicon)
    out = build(tmp_path / "cache", tmp_path / "build" / "srl.json")
    data = json.loads(out.read_text())
    assert data["source"]["license"] == "Apache-2.0"
    assert "Low" in data["source"]["authors"]
    passive = data["constructs"][CONSTRUCTS[PASSIVE][0]]
    assert passive["category"] == "passive_ideation"
    assert passive["phrases"] == ["wish i was gone", "quiet forever wish"]
    assert data["constructs"]["direct_self_injury"]["phrases"] == ["skin picking"]
    assert set(data["constructs"]) == {"passive_suicidal_ideation", "direct_self_injury"}


def test_cli_reports_a_broken_wheel_without_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / WHEEL_NAME).write_text("not a zip")
    code = main(["build", "--cache-dir", str(tmp_path), "--out", str(tmp_path / "o.json")])
    assert code == 1
    assert "lexicon build failed" in capsys.readouterr().err


def test_detector_uses_enabled_constructs_and_says_so(
    tmp_path: Path, wheel_lexicon: dict, caplog: pytest.LogCaptureFixture
) -> None:
    make_wheel(tmp_path / "cache", wheel_lexicon)
    out = build(tmp_path / "cache", tmp_path / "srl.json")
    with caplog.at_level(logging.INFO, logger="bot.risk.detector"):
        detector = RiskDetector(out, constructs=["passive_suicidal_ideation"])
    assert "Suicide Risk Lexicon" in caplog.text
    result = detector.assess("some days i think quiet forever wish")
    assert [hit.rule for hit in result.hits] == ["srl:passive_suicidal_ideation"]
    assert result.lexicon == "curated+srl(passive_suicidal_ideation)"


def test_lexicon_hits_are_guarded_like_rules(tmp_path: Path, wheel_lexicon: dict) -> None:
    make_wheel(tmp_path / "cache", wheel_lexicon)
    out = build(tmp_path / "cache", tmp_path / "srl.json")
    detector = RiskDetector(out, constructs=["passive_suicidal_ideation"])
    result = detector.assess("my sister said quiet forever wish")
    assert not result.is_risk
    assert result.guarded == ("third_party:quiet forever wish",)


def test_without_a_lexicon_the_detector_says_curated_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.risk.detector"):
        detector = RiskDetector(tmp_path / "missing.json")
    assert "curated rules only" in caplog.text
    assert detector.assess("i want to kill myself").is_risk


def test_unreadable_lexicon_falls_back_to_curated(tmp_path: Path) -> None:
    path = tmp_path / "srl.json"
    path.write_text("{not json")
    assert load_lexicon(path) == []
    assert RiskDetector(path).lexicon_label == "curated"
