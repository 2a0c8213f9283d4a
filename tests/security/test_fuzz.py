"""A bounded fuzz of the running system on loopback: 2,000 hostile messages (and malformed bodies)
through Rasa's REST channel, the chat page API and the widget's socket.io, against the trained model.

Asserts: no 5xx; every message the risk rules flag (as its channel hands it to Rasa) ends in an
escalation for its conversation; every accepted message is in the tracker store. Deterministic
(seeded). Needs models/steady.tar.gz; starting Rasa takes about a minute, the messages about as long.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot import config
from bot.channels import inbound
from bot.conversations import event_data
from bot.db import Escalation, engine_for, session_scope
from bot.pseudonym import pseudonymise
from bot.risk.detector import RiskDetector
from tests.support.servers import Steady, running_steady

pytestmark = pytest.mark.integration

SEED = 14
TOTAL = int(os.environ.get("STEADY_FUZZ_MESSAGES", "2000"))  # at least 2,000 in make test
SHARE = {"rest": 0.4, "page": 0.4, "widget": 0.2}
IN_FLIGHT = 4
TURNS_PER_CONVERSATION = 5
RISK = [
    "i want to kill myself tonight",
    "im going to end my life",
    "i keep cutting myself",
    "i want to die",
    "i dont want to be alive anymore",
]
NOISE = [
    "\ud83d", "\udc00", "\x00", "\x07", "\u202e", "\u200b", "\ufeff", "😀😀", "🙂\u200d↕️", "ｈｅｌｌｏ", "\r\n", "\t",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "' OR 1=1 --", "{{7*7}}", "${jndi:ldap://x/a}",
    "%s%n%x", "../../etc/passwd", "\\u0000", '"}]', "/restart", "/ /restart", " /restart", "//session_start",
    '/checkin{"mood": "x", "risk_flag": false}', "/deny@1.0", "/goodbye", "／restart", "@0.99", "NaN", "null",
    "i feel ok", "so tired of everything", "maybe", "yes", "no", "stop", "help", "a" * 400, "word " * 60, "ß" * 50,
]
MALFORMED = [None, [], {}, "not json", {"sender": None, "message": "hi"}, {"sender": 5, "message": "hi"},
             {"sender": "x" * 300, "message": "hi"}, {"sender": "ok-id", "message": {"a": 1}},
             {"sender": "ok-id"}, {"message": "hi"}, {"sender": "ok-id", "message": "x" * 2500}]


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    accepted: Counter = field(default_factory=Counter)  # per conversation id in the tracker store
    risky: set = field(default_factory=set)  # conversation ids that were sent rule-detected risk
    server_errors: list = field(default_factory=list)


def hostile(rng: random.Random) -> str:
    parts = [rng.choice(NOISE) for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.25:
        parts.insert(rng.randint(0, len(parts)), rng.choice(RISK))
    joined = rng.choice(["", " ", "  "]).join(parts)
    return joined.upper() if rng.random() < 0.1 else joined


def conversations(rng: random.Random, count: int) -> Iterator[list[str]]:
    while count > 0:
        turns = min(TURNS_PER_CONVERSATION, count)
        count -= turns
        yield [hostile(rng) for _ in range(turns)]


@pytest.fixture(scope="module")
def steady(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Steady]:
    limits = {"STEADY_RATE_LIMIT_SCALE": "1000"}  # the limits have their own tests: test_public_limits
    with running_steady(tmp_path_factory.mktemp("fuzz-var"), limits) as servers:
        yield servers


def flags_risk(detector: RiskDetector, text_for_rasa: str) -> bool:
    return detector.assess(text_for_rasa).is_risk


async def post(http: aiohttp.ClientSession, url: str, body: Any, tally: Tally, channel: str) -> int:
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=True)
    async with http.post(url, data=data, headers={"Content-Type": "application/json"}) as reply:
        await reply.read()
        tally.statuses[(channel, reply.status)] += 1
        if reply.status >= 500:
            tally.server_errors.append((channel, reply.status, body))
        return reply.status


async def rest_conversation(http, steady, turns, tally, detector, gate, rng) -> None:  # type: ignore[no-untyped-def]
    sender = f"fuzz-rest-{rng.getrandbits(48):x}"
    url = f"http://127.0.0.1:{steady.ports.rasa}/webhooks/rest/webhook"
    for said in turns:
        async with gate:
            status = await post(http, url, {"sender": sender, "message": said}, tally, "rest")
        if status == 200:
            tally.accepted[sender] += 1
            tally.risky.update([sender] if flags_risk(detector, inbound.typed_text(said)) else [])


async def page_conversation(http, steady, turns, tally, detector, gate, rng) -> None:  # type: ignore[no-untyped-def]
    sender = f"{rng.getrandbits(128):032x}"
    url = f"http://127.0.0.1:{steady.ports.web}/api/messages"
    for said in turns:
        key = "payload" if rng.random() < 0.2 else "text"
        async with gate:
            status = await post(http, url, {"sender": sender, key: said}, tally, "page")
        if status == 200:
            tally.accepted[sender] += 1
            tally.risky.update([sender] if flags_risk(detector, inbound.typed_text(said)) else [])


class WidgetSocket:
    """The widget's side of socket.io (Engine.IO 4, Socket.IO 5) over a websocket, as widget.js speaks it."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.events: asyncio.Queue = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.socket:
            frame = message.data if message.type == aiohttp.WSMsgType.TEXT else ""
            if frame == "2":
                await self.socket.send_str("3")  # ping -> pong
            elif frame.startswith("42"):
                await self.events.put(json.loads(frame[2:]))
            elif frame.startswith("40"):
                await self.events.put(["connected"])

    async def emit(self, event: str, data: dict[str, Any]) -> None:
        await self.socket.send_str("42" + json.dumps([event, data]))

    async def expect(self, name: str) -> list[Any]:
        while True:
            event = await asyncio.wait_for(self.events.get(), 60)
            if event[0] == name:
                return event


async def widget_conversation(http, steady, turns, tally, detector, gate, rng) -> None:  # type: ignore[no-untyped-def]
    session_id = f"{rng.getrandbits(256):064x}"
    conversation = inbound.conversation_of(session_id)  # what Rasa stores it under
    url = f"http://127.0.0.1:{steady.ports.web}/socket.io/?EIO=4&transport=websocket"
    async with http.ws_connect(url) as socket:
        widget = WidgetSocket(socket)
        try:
            await socket.send_str("40")
            await widget.expect("connected")
            await widget.emit("session_request", {"session_id": session_id})
            await widget.expect("session_confirm")
            for said in turns:
                async with gate:
                    button = {"button": True} if rng.random() < 0.2 else {}
                    await widget.emit("user_uttered", {"message": said, "session_id": session_id,
                                                       "metadata": {"language": "en-GB", **button}})
                    tally.statuses[("widget", "sent")] += 1
                    await widget.expect("bot_uttered")  # every message gets an answer
                if not inbound.too_long(said) and inbound.typed_text(said):
                    tally.accepted[conversation] += 1
                    tally.risky.update([conversation] if flags_risk(detector, inbound.typed_text(said)) else [])
        finally:
            widget.reader.cancel()


def stored_user_messages(database_url: str) -> Counter:
    engine = engine_for(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sender_id, data FROM events WHERE type_name = 'user'"))
        counted = Counter()
        for sender, data in rows:
            event_data(data)  # every stored message decrypts
            counted[sender] += 1
    return counted


def escalated(senders: set[str]) -> set[str]:
    wanted = {pseudonymise(sender): sender for sender in senders}
    with session_scope() as session:
        found = {row[0] for row in session.query(Escalation.pseudonym).filter(Escalation.pseudonym.in_(list(wanted)))}
    return {wanted[pseudonym] for pseudonym in found}


async def fuzz(steady: Steady, tally: Tally) -> None:
    rng = random.Random(SEED)
    detector = RiskDetector()
    gate = asyncio.Semaphore(IN_FLIGHT)
    jobs = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as http:
        for body in MALFORMED:  # malformed bodies on both HTTP entrances
            await post(http, f"http://127.0.0.1:{steady.ports.rasa}/webhooks/rest/webhook", body, tally, "rest")
            await post(http, f"http://127.0.0.1:{steady.ports.web}/api/messages", body, tally, "page")
        count = TOTAL - 2 * len(MALFORMED)
        for turns in conversations(rng, int(count * SHARE["rest"])):
            jobs.append(rest_conversation(http, steady, turns, tally, detector, gate, random.Random(rng.random())))
        for turns in conversations(rng, int(count * SHARE["page"])):
            jobs.append(page_conversation(http, steady, turns, tally, detector, gate, random.Random(rng.random())))
        widget_total = count - int(count * SHARE["rest"]) - int(count * SHARE["page"])
        for turns in conversations(rng, widget_total):
            jobs.append(widget_conversation(http, steady, turns, tally, detector, gate, random.Random(rng.random())))
        random.Random(SEED).shuffle(jobs)
        await asyncio.gather(*jobs)


def test_two_thousand_hostile_messages_no_server_error_no_dropped_risk_nothing_lost(
    steady: Steady, capsys: pytest.CaptureFixture
) -> None:
    tally = Tally()
    started = time.monotonic()
    asyncio.run(fuzz(steady, tally))
    sent = sum(count for (_, status), count in tally.statuses.items())
    assert sent >= TOTAL
    assert tally.server_errors == []
    database_url = config.database_url()  # private_steady_env's, shared with the servers
    def missing() -> dict[str, tuple[int, int]]:
        stored = stored_user_messages(database_url)
        return {sender: (count, stored[sender]) for sender, count in tally.accepted.items() if stored[sender] < count}

    deadline = time.monotonic() + 120  # the widget's last messages may still be in Rasa's queue
    while time.monotonic() < deadline and (missing() or escalated(tally.risky) != tally.risky):
        time.sleep(2)
    lost = missing()
    assert lost == {}, "accepted messages missing from the tracker store (sent, stored)"
    assert tally.risky - escalated(tally.risky) == set(), "risk messages with no escalation"
    with capsys.disabled():
        print(f"\nfuzz: {sent} messages in {time.monotonic() - started:.0f} s; statuses {dict(tally.statuses)}; "
              f"{len(tally.risky)} conversations with risk, all escalated")
