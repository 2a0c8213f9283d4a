"""The helplines file: complete, honest about what was checked, and shown the way it says."""

from __future__ import annotations

import copy
import io
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from bot import crisis
from bot.config import CONTENT_DIR

HELPLINES_FILE = CONTENT_DIR / "helplines.yml"
LINE = "• {name}: {contact} ({hours})"
ISO_CODE = re.compile(r"^[A-Z]{2}$")


@pytest.fixture(scope="module")
def helplines() -> dict[str, Any]:
    return crisis.load_helplines(HELPLINES_FILE)


def all_services(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    entries = {**data["countries"], "fallback": data["fallback"]}
    return [(code, service) for code, entry in entries.items() for service in entry["services"]]


def rendered(data: dict[str, Any], code: str) -> str:
    entry = data["fallback"] if code == "fallback" else data["countries"][code]
    return crisis.services_text(entry, LINE, data["labels"])


def test_the_file_has_no_problems_and_every_country_is_an_iso_code(helplines: dict[str, Any]) -> None:
    assert crisis.helpline_problems(helplines) == []
    assert all(isinstance(code, str) and ISO_CODE.match(code) for code in helplines["countries"])


def test_every_verified_line_cites_the_pages_that_confirmed_it(helplines: dict[str, Any]) -> None:
    for code, service in all_services(helplines):
        if service["verified"]:
            assert service["source"] and all(url.startswith(("https://", "http://")) for url in service["source"])
        else:
            assert service["note"], f"{code} {service['name']}: unverified without saying why"
    for code, entry in helplines["countries"].items():
        assert entry["emergency_verified"] and entry["emergency_source"], f"{code}: emergency number unchecked"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s.update(source=None), "lists no page"),
        (lambda s: s.update(source=["my memory"]), "lists no page"),
        (lambda s: s.update(verified="last week"), "must be a date"),
        (lambda s: s.update(verified=None, note=None), "say why"),
        (lambda s: s.update(kind="hotline"), "kind must be one of"),
        (lambda s: s.update(hours="see website", url=None), "needs a url"),
    ],
)
def test_a_dishonest_or_incomplete_entry_is_refused(helplines: dict[str, Any], change: Any, problem: str) -> None:
    broken = copy.deepcopy(helplines)
    change(broken["countries"]["GB"]["services"][0])
    assert any(problem in text for text in crisis.helpline_problems(broken))


def test_an_unchecked_line_says_so_and_a_checked_one_does_not(helplines: dict[str, Any]) -> None:
    unchecked_label = helplines["labels"]["unchecked"]
    assert "unchecked" in unchecked_label
    for code, service in all_services(helplines):
        text = crisis.service_text(service, LINE, helplines["labels"])
        assert service["contact"] in text
        assert (unchecked_label in text) == (not service["verified"]), f"{code} {service['name']}"


def test_a_line_whose_hours_point_to_the_website_shows_the_website(helplines: dict[str, Any]) -> None:
    pointing = [(code, s) for code, s in all_services(helplines) if "website" in s["hours"].lower()]
    assert pointing, "South Africa's SADAG line has no confirmed hours"
    for code, service in pointing:
        assert service["url"] in rendered(helplines, code)


def test_beyond_blue_is_shown_as_a_support_line_not_a_crisis_line(helplines: dict[str, Any]) -> None:
    beyond_blue = next(s for s in helplines["countries"]["AU"]["services"] if s["name"] == "Beyond Blue")
    assert beyond_blue["kind"] == "support"
    assert f"Beyond Blue ({helplines['labels']['support_line']})" in rendered(helplines, "AU")
    assert "not a crisis line" not in rendered(helplines, "GB")


@pytest.mark.parametrize(
    ("code", "number"),
    [("IE", "50808"), ("AU", "0477 13 11 14"), ("NZ", "4357"), ("SG", "9151 1767")],
)
def test_the_text_lines_asked_for_are_listed_and_checked(helplines: dict[str, Any], code: str, number: str) -> None:
    matches = [s for s in helplines["countries"][code]["services"] if number in s["contact"]]
    assert matches and all(s["verified"] for s in matches)


def test_south_africa_lists_the_ambulance_number(helplines: dict[str, Any]) -> None:
    assert "10177" in helplines["countries"]["ZA"]["emergency"]


@pytest.mark.parametrize("code", ["PH", "HK", "MY", "KE", "NG", "GH", "JM", "PK"])
def test_countries_with_english_speaking_users_have_a_checked_line(helplines: dict[str, Any], code: str) -> None:
    entry = helplines["countries"][code]
    assert entry["emergency"] and entry["emergency_verified"]
    assert any(service["verified"] for service in entry["services"])


def write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "helplines.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_staff_are_warned_until_a_clinician_has_reviewed_the_file(helplines: dict[str, Any], tmp_path: Path) -> None:
    notice = crisis.review_notice(HELPLINES_FILE)
    assert notice and "clinical review" in notice
    unchecked = sum(1 for _, service in all_services(helplines) if not service["verified"])
    assert f"{unchecked} of {len(all_services(helplines))}" in notice
    reviewed = {**helplines, "reviewed": "2026-12-02", "reviewed_by": "A. Clinician, crisis service lead"}
    assert crisis.review_notice(write(tmp_path, reviewed)) is None


def test_a_broken_file_is_reported_to_staff_not_hidden(helplines: dict[str, Any], tmp_path: Path) -> None:
    broken = copy.deepcopy(helplines)
    broken["countries"]["GB"]["services"][0]["source"] = None
    notice = crisis.review_notice(write(tmp_path, broken))
    assert notice and "not usable" in notice


def test_make_run_prints_the_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEADY_HELPLINES_FILE", str(HELPLINES_FILE))
    out = io.StringIO()
    crisis.warn_if_unreviewed(out)
    assert out.getvalue().startswith("WARNING: ") and "clinical review" in out.getvalue()


def test_the_console_shows_the_notice_to_signed_in_counselors(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console.server import jinja_environment

    monkeypatch.setenv("STEADY_HELPLINES_FILE", str(HELPLINES_FILE))
    counselor = SimpleNamespace(csrf_token="token", is_supervisor=False, username="sam", role="counselor")
    page = jinja_environment().get_template("error.html")
    assert "have not had a clinical review" in page.render(counselor=counselor, message="x")
    assert "clinical review" not in page.render(counselor=None, message="x")
