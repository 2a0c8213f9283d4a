"""Crisis resources: the reviewed helplines file turned into responses the Rasa server sends itself.

`python -m bot.crisis build` writes var/build/domain/ (domain.yml plus generated crisis responses)
so the resources reach a person even when the action server is down.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot import config

HIGH_DISTRESS = 9  # a 0-10 rating from here on is acknowledged and a person offered

# Generated responses: the wording key in crisis.yml, the response name, and whether the reply
# asks for the country when Steady does not know it.
RESPONSES = {
    "resources": ("utter_crisis_resources", True),
    "imminent": ("utter_crisis_imminent", True),
    "imminent_taken": ("utter_imminent_taken", False),
    "imminent_not_taken": ("utter_imminent_not_taken", False),
    "human": ("utter_human_resources", True),
    "check": ("utter_risk_check", False),  # already a yes/no question: no second one
    "services": ("utter_crisis_services", True),
    "bereavement": ("utter_bereavement", False),
    "panic": ("utter_panic", False),
    "panic_named": ("utter_panic_named", False),  # the person named the exercise they want: it starts next
}
# The buttons under a generated response: (the key of its words under `buttons` in crisis.yml, payload).
YES_NO = [("say_yes", "/affirm"), ("say_no", "/deny")]
BUTTONS = {
    "resources": [("ask_counselor", "/request_counselor")],
    "imminent": [("taken_something", "/affirm"), ("not_taken", "/deny")],
    "human": [("yes_ask_counselor", "/request_counselor"), ("say_no", "/deny")],
    "check": YES_NO,
    "bereavement": YES_NO,
    "panic": [
        ("breathing", '/request_exercise{{"exercise": "breathing"}}'),
        ("grounding", '/request_exercise{{"exercise": "grounding"}}'),
    ],
}
LABELS = ("support_line", "website", "unchecked")
KINDS = ("crisis", "support", "youth", "directory")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
REVIEW_PENDING = "pending"

# Slots the variations are chosen by (see domain.yml): what the person said, the channel's guess,
# and "unlisted" when the person named a country the helplines file does not list.
SAID, GUESSED, LISTED = "country", "country_guess", "country_listed"


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


class HelplineError(ValueError):
    """The helplines file is missing something a person in crisis would need."""


def load_helplines(path: Path | None = None) -> dict[str, Any]:
    path = path or config.helplines_file()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    problems = helpline_problems(data)
    if problems:
        raise HelplineError(f"{path}: " + "; ".join(problems))
    return data


def helpline_problems(data: Any) -> list[str]:
    """What makes the file unusable or dishonest: missing numbers, or 'verified' with no source."""
    if not isinstance(data, dict):
        return ["expected a mapping with countries and fallback"]
    problems = []
    entries = {
        **{str(code): entry for code, entry in (data.get("countries") or {}).items()},
        "fallback": data.get("fallback"),
    }
    for code, entry in entries.items():
        if not isinstance(entry, dict) or not entry.get("emergency") or not entry.get("services"):
            problems.append(f"{code} needs an emergency number and at least one service")
            continue
        if code != "fallback":
            emergency = ("emergency_verified", "emergency_source", "emergency_note")
            problems += _check_problems(f"{code} emergency", entry, *emergency)
        for service in entry["services"]:
            problems += _service_problems(code, service)
    if "reviewed_by" not in data or "reviewed" not in data:
        problems.append("the file needs 'reviewed' (a date, or null until reviewed) and 'reviewed_by'")
    if not isinstance(data.get("labels"), dict) or any(not data["labels"].get(key) for key in LABELS):
        problems.append(f"the file needs labels: {', '.join(LABELS)}")
    return problems


def _service_problems(code: str, service: Any) -> list[str]:
    if not isinstance(service, dict):
        return [f"{code}: every service must be a mapping"]
    name = f"{code}: {service.get('name', 'a service')}"
    missing = [key for key in ("name", "kind", "contact", "hours") if not service.get(key)]
    problems = [f"{name} is missing {', '.join(missing)}"] if missing else []
    if service.get("kind") and service["kind"] not in KINDS:
        problems.append(f"{name}: kind must be one of {', '.join(KINDS)}")
    if points_to_website(str(service.get("hours", ""))) and not service.get("url"):
        problems.append(f"{name}: the hours point to the website, so it needs a url")
    return problems + _check_problems(name, service, "verified", "source", "note")


def _check_problems(name: str, entry: dict[str, Any], verified_key: str, source_key: str, note_key: str) -> list[str]:
    """A check date only with the pages that confirmed it; without one, a note saying why."""
    verified, sources = entry.get(verified_key), entry.get(source_key)
    if verified is None:
        return [] if entry.get(note_key) else [f"{name} is unverified ({verified_key}: null): say why in '{note_key}'"]
    if not DATE.match(str(verified)):
        return [f"{name}: {verified_key} must be a date (YYYY-MM-DD) or null"]
    pages = sources if isinstance(sources, list) else []
    if not pages or not all(str(url).startswith(("https://", "http://")) for url in pages):
        return [f"{name} is marked verified but {source_key} lists no page (web address) that confirmed it"]
    return []


def points_to_website(hours: str) -> bool:
    return "website" in hours.lower()


def review_pending(data: dict[str, Any]) -> bool:
    return not data.get("reviewed") or REVIEW_PENDING in str(data.get("reviewed_by", REVIEW_PENDING)).lower()


def review_notice(path: Path | None = None) -> str | None:
    """For staff (`make run`, the console): why the helplines are not yet fit to rely on, or None."""
    path = path or config.helplines_file()
    try:
        data = load_helplines(path)
    except (HelplineError, OSError, yaml.YAMLError) as error:
        return f"The crisis helplines file is not usable: {error}"
    if not review_pending(data):
        return None
    services = [s for entry in [*data["countries"].values(), data["fallback"]] for s in entry["services"]]
    unchecked = sum(1 for service in services if not service.get("verified"))
    return (
        f"The crisis helplines ({path.name}) have not had a clinical review (reviewed_by: "
        f"{data.get('reviewed_by')}); {unchecked} of {len(services)} services are unchecked against a source. "
        "Check the file before anyone relies on it."
    )


def warn_if_unreviewed(stream: TextIO = sys.stderr) -> None:
    notice = review_notice()
    if notice:
        print(f"WARNING: {notice}", file=stream)


@lru_cache(maxsize=4)
def _labels(path: str, modified: int) -> dict[str, str]:
    return load_helplines(Path(path))["labels"]


def default_labels() -> dict[str, str]:
    path = config.helplines_file()
    return _labels(str(path), path.stat().st_mtime_ns)


def service_text(service: dict[str, Any], line: str, labels: dict[str, str]) -> str:
    """One helpline as the person sees it: a support line says so, an unchecked one says so and links."""
    name = service["name"]
    if service.get("kind") == "support":
        name = f"{name} ({labels['support_line']})"
    text = line.format(name=name, contact=service["contact"], hours=service["hours"])
    unchecked = not service.get("verified")
    if service.get("url") and (unchecked or points_to_website(service["hours"])):
        text += " " + labels["website"].format(url=service["url"])
    if unchecked:
        text += " " + labels["unchecked"]
    return text


def services_text(entry: dict[str, Any], line: str, labels: dict[str, str] | None = None) -> str:
    """One country's (or the fallback's) services, one line each. labels: the file's 'labels'."""
    labels = labels if labels is not None else default_labels()
    return "\n".join(service_text(service, line, labels) for service in entry["services"])

def _condition(**slots: str | None) -> list[dict[str, Any]]:
    return [{"type": "slot", "name": name, "value": value} for name, value in slots.items()]


def response_buttons(key: str, wording: dict[str, Any]) -> list[dict[str, str]]:
    """The buttons of one generated response, worded by crisis.yml."""
    return [{"title": wording["buttons"][words], "payload": payload} for words, payload in BUTTONS.get(key, [])]


def country_buttons(
    helplines: dict[str, Any], wording: dict[str, Any], skip: str | None = None
) -> list[dict[str, str]]:
    """The most-picked countries, then "Somewhere else" (which asks the person to type it)."""
    countries = helplines["countries"]
    buttons = [
        {"title": countries[code]["name"], "payload": f'/inform_country{{{{"country": "{code}"}}}}'}
        for code in wording["country_buttons"]
        if code in countries and code != skip
    ]
    return [*buttons, {"title": wording["somewhere_else"], "payload": "/inform_country"}]


def _texts(templates: list[str], entry: dict[str, Any], line: str, name: str, extra: str | None) -> list[str]:
    values = {"services": services_text(entry, line), "emergency": entry["emergency"], "country_name": name}
    return [template.format(**values) + (f"\n{extra}" if extra else "") for template in templates]


def _variations(
    texts: list[str], buttons: list[dict[str, str]], condition: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    variations = []
    for text in texts:
        variation: dict[str, Any] = {"text": text}
        if buttons:
            variation["buttons"] = buttons
        if condition:
            variation["condition"] = condition
        variations.append(variation)
    return variations


def country_variations(
    key: str, asks_country: bool, helplines: dict[str, Any], wording: dict[str, Any]
) -> list[dict[str, Any]]:
    """One response's variations, most certain first:
    the country the person said; the channel's guess, always named, so a word (or, where the reply
    asks, one tap) corrects it;
    a country the file does not list (the directories, no question); no country (the directories
    and, where the reply asks, "which country are you in?" with buttons)."""
    templates, line, own = wording[key], wording["service_line"], response_buttons(key, wording)
    fallback = helplines["fallback"]
    variations = []
    for code, entry in sorted(helplines["countries"].items()):
        name = f"the {entry['name']}" if code in wording.get("with_the", []) else entry["name"]
        variations += _variations(_texts(templates, entry, line, name, None), own, _condition(**{SAID: code}))
        note = wording["guessed_country"].format(country_name=name)  # a guess is never silent
        buttons = [*own, *country_buttons(helplines, wording, skip=code)] if asks_country else own
        guessed = _condition(**{SAID: None, GUESSED: code})
        variations += _variations(_texts(templates, entry, line, name, note), buttons, guessed)
    somewhere = wording["unknown_country"]
    directories = _texts(templates, fallback, line, somewhere, None)
    unlisted = [wording["unlisted_country"] + "\n" + text for text in directories]
    variations += _variations(unlisted, own, _condition(**{LISTED: "unlisted"}))
    ask = wording["ask_country"] if asks_country else None
    buttons = [*own, *country_buttons(helplines, wording)] if asks_country else own
    variations += _variations(_texts(templates, fallback, line, somewhere, ask), buttons, None)
    return variations


def crisis_responses(helplines: dict[str, Any], wording: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every generated response, each with its variations per country (see country_variations)."""
    responses = {
        response: country_variations(key, asks_country, helplines, wording)
        for key, (response, asks_country) in RESPONSES.items()
    }
    responses["utter_ask_country"] = [{"text": wording["type_country"]}]
    return responses


def listed_countries(helplines: dict[str, Any] | None = None) -> set[str]:
    return {str(code) for code in (helplines or load_helplines())["countries"]}


def crisis_wording() -> dict[str, Any]:
    return yaml.safe_load((config.CONTENT_DIR / "crisis.yml").read_text(encoding="utf-8"))


def high_distress_line(rating: float | None, seed: str = "") -> str | None:
    """What to say first when someone rates their distress 9 or 10 (None below that).
    The exercise engine's 0-10 ratings and the check-in call this."""
    if rating is None or rating < HIGH_DISTRESS:
        return None
    lines = crisis_wording()["high_distress"]
    return lines[sum(map(ord, seed)) % len(lines)].format(rating=f"{rating:g}")


def build_domain(out_dir: Path) -> Path:
    """domain.yml plus the generated crisis responses, as a domain folder Rasa reads."""
    wording = crisis_wording()
    generated = {"version": "3.1", "responses": crisis_responses(load_helplines(), wording)}
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(config.REPO_ROOT / "domain.yml", out_dir / "domain.yml")
    header = "# Generated by `python -m bot.crisis build` from bot/content/helplines.yml and crisis.yml.\n"
    text = header + yaml.dump(generated, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=1000)
    (out_dir / "crisis.yml").write_text(text, encoding="utf-8")
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["build", "check"])
    parser.add_argument("--out", type=Path, default=config.var_dir() / "build" / "domain")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            load_helplines()
            print(f"{config.helplines_file()}: ok")
        else:
            print(f"Built {build_domain(args.out)}")
    except (HelplineError, OSError, yaml.YAMLError) as error:
        print(f"Crisis resources are not usable: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
