"""End to end over HTTP: the real Rasa server, action server and chat page, on a private SQLite file.

Needs the trained model (make test trains it first). Starting Rasa takes about a minute.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator

import pytest
import yaml
from sqlalchemy import text

from bot.config import CONTENT_DIR, rasa_api_token
from bot.db import Escalation, UsageEvent, engine_for, session_scope
from bot.exercises import fill, load_common, load_exercises
from bot.pseudonym import pseudonymise
from tests.support.servers import Steady, post_json, running_steady

pytestmark = pytest.mark.integration
HELPLINES = yaml.safe_load((CONTENT_DIR / "helplines.yml").read_text())


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steady]:
    with running_steady(tmp_path_factory.mktemp("steady-var")) as servers:
        yield servers


def start_exercise(steady: Steady, person: str, exercise: str) -> list[dict]:
    """Open the menu, then press the exercise's button (a payload passes only if Steady offered it)."""
    steady.say(person, text="show me the exercises")
    return steady.say(person, payload=f'/request_exercise{{"exercise": "{exercise}"}}')


def new_sender() -> str:
    return uuid.uuid4().hex


def texts(messages: list[dict]) -> list[str]:
    return [message.get("text", "") for message in messages]


def services_of(code: str) -> list[str]:
    entry = HELPLINES["countries"][code] if code != "fallback" else HELPLINES["fallback"]
    return [service["contact"] for service in entry["services"]]


def test_a_whole_grounding_exercise_over_http_is_logged_pseudonymously(steady: Steady) -> None:
    person = new_sender()
    first = steady.say(person, text="hi")
    assert "automated assistant" in first[0]["text"] and "not a therapist" in first[0]["text"]
    steady.say(person, text="im really anxious tonight")
    started = start_exercise(steady, person, "grounding")
    assert any(button["payload"] == "0" for button in started[-1]["buttons"]), "asks distress 0-10 first"
    for answer in [
        "8",
        "my lamp, the window, a mug, my phone, the door",
        "the blanket",
        "skip",
        "coffee and rain",
        "toothpaste",
    ]:
        replies = steady.say(person, text=answer)
        assert replies, f"no reply to {answer!r}"
    closing = steady.say(person, text="4")
    name = load_exercises()["grounding"].call_it
    lines = load_common().lines("closing", "much_better")  # 8 -> 4 is a drop worth celebrating
    better = {fill(line, before=8, after=4, exercise=name) for line in lines}
    assert better & set(texts(closing)), "the closing line reflects the drop from 8 to 4"
    assert closing[-1]["buttons"][-1]["title"] == "Talk to a person"
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        rows = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonymise(person)).order_by(UsageEvent.id)
        kinds = [(row.kind, row.step, row.value) for row in rows]
        assert session.query(UsageEvent).filter(UsageEvent.pseudonym == person).count() == 0
        events = session.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": person}).scalar()
    assert kinds[0][0] == "checkin" and kinds[1][0] == "start" and kinds[-1][0] == "complete"
    assert ("rating", "distress_before", 8.0) in kinds and ("rating", "distress_after", 4.0) in kinds
    assert [step for kind, step, _ in kinds if kind in ("step", "skip")] == ["see", "touch", "hear", "smell", "taste"]
    assert events > 20, "Rasa's tracker store keeps the conversation in the same database"


def test_risk_mid_exercise_gets_country_resources_in_the_very_next_reply(steady: Steady) -> None:
    person = new_sender()
    steady.say(person, text="i'm in the uk")
    start_exercise(steady, person, "breathing")
    steady.say(person, text="7")
    replies = steady.say(person, text="i've been thinking about killing myself")
    assert any(contact in replies[0]["text"] for contact in services_of("GB"))
    assert "cssrs" not in replies[0]["text"]
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        escalation = session.query(Escalation).filter(Escalation.pseudonym == pseudonymise(person)).one()
        assert escalation.status == "open" and escalation.channel == "rest"
    assert "how you might do it" in replies[-1]["text"], "the screener follows, skipping what was already said"


def test_an_idiom_and_a_negation_do_not_escalate(steady: Steady) -> None:
    person = new_sender()
    for message in ["this exam is killing me", "i'm not suicidal, just stressed"]:
        replies = steady.say(person, text=message)
        assert not any(contact in line for line in texts(replies) for contact in services_of("fallback"))
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        assert session.query(Escalation).filter(Escalation.pseudonym == pseudonymise(person)).count() == 0


def rasa_api(steady: Steady, path: str, body: dict) -> dict:
    """Rasa's own HTTP API (token-protected), as the console and the reminder worker use it."""
    auth = {"Authorization": f"Bearer {rasa_api_token()}"}
    return post_json(f"http://127.0.0.1:{steady.ports.rasa}{path}", body, auth)


def finish_grounding(steady: Steady, person: str, before: str, after: str) -> None:
    start_exercise(steady, person, "grounding")
    for answer in [before, "lamp, window, mug, phone, door", "blanket", "rain", "coffee", "toothpaste"]:
        steady.say(person, text=answer)
    steady.say(person, text=after)


def test_how_have_i_been_doing_reads_back_this_persons_ratings_with_chart_data(steady: Steady) -> None:
    person = new_sender()
    steady.say(person, text="hi")
    finish_grounding(steady, person, "8", "5")
    replies = steady.say(person, text="how have I been doing?")
    title = load_exercises()["grounding"].title
    summary = next(reply for reply in replies if reply.get("text"))
    assert f"{title}, 8 → 5" in summary["text"] and "Exercises finished: 1." in summary["text"]
    chart = next(reply["custom"] for reply in replies if reply.get("custom"))
    assert chart["type"] == "progress_chart"
    assert [(run["label"], run["before"], run["after"]) for run in chart["runs"]] == [(title, 8.0, 5.0)]
    stranger = steady.say(new_sender(), text="show me my progress")
    assert not any(reply.get("custom") for reply in stranger), "nobody else's ratings"


def test_a_small_goal_is_followed_up_in_the_next_session(steady: Steady) -> None:
    person = new_sender()
    steady.say(person, text="hi")
    start_exercise(steady, person, "small_goal")
    for answer in ["6", "people", "text my friend Jo", "friday evening", "i might chicken out", "send it first thing"]:
        assert steady.say(person, text=answer)
    outro = steady.say(person, text="7")
    assert "next time" in " ".join(texts(outro)).lower(), "the promise to ask how it went"
    steady.say(person, text="4")
    same_visit = steady.say(person, text="hello")
    assert "text my friend Jo" not in " ".join(texts(same_visit)), "not in the same visit"
    rasa_api(steady, f"/conversations/{person}/execute", {"name": "action_session_start"})  # as after 3 idle hours
    back = steady.say(person, text="hey")
    asked = " ".join(texts(back))
    assert "text my friend Jo" in asked and "friday evening" in asked
    assert [button["payload"] for button in back[-1]["buttons"]] == ["done", "partly", "not_yet", "changed"]
    reply = steady.say(person, text="i did some of it")
    assert "still counts" in " ".join(texts(reply))
    closing = steady.say(person, text="i was nervous but it helped to plan")
    assert closing[-1]["buttons"][0]["title"] == load_exercises()["small_goal"].title
    again = steady.say(person, text="hi")
    assert "text my friend Jo" not in " ".join(texts(again)), "asked once"
    with session_scope(engine_for(os.environ["STEADY_DATABASE_URL"])) as session:
        rows = session.query(UsageEvent).filter(UsageEvent.pseudonym == pseudonymise(person))
        outcome = [(row.exercise, row.step, row.choice) for row in rows if row.choice]
    assert ("goal_review", "outcome", "partly") in outcome


def test_crisis_resources_still_reach_the_person_when_the_action_server_is_down(steady: Steady) -> None:
    """Runs last in this module: it stops the action server."""
    actions = steady.part("action server")
    assert actions.process is not None
    os.killpg(actions.process.pid, signal.SIGTERM)
    actions.process.wait(timeout=30)
    person = new_sender()
    replies = steady.say(person, text="i want to end my life")
    assert any(contact in replies[0]["text"] for contact in services_of("fallback")), replies

