"""Guided exercises: the scripts clinicians write in bot/content/ and the engine that walks them.

- wording.py: the shared wording (common.yml) and the tools that say things (pick, fill, shorten)
- scripts.py: what a script and a step are, loading them, the content check
- answers.py: reading an answer as a number, an option or list items
- listening.py: questions, "this isn't helping" and off-topic text mid-step
- state.py: a run's state between turns, and what one answer produces
- kinds.py: what each kind of step does (KINDS): read, buttons, a pacer or guided sequence first
- engine.py: the engine that walks a script one answer at a time
"""

from bot.exercises.answers import parse_number, split_items
from bot.exercises.engine import Engine
from bot.exercises.kinds import KINDS
from bot.exercises.scripts import (
    RATING_AFTER,
    RATING_BEFORE,
    STEP_KINDS,
    Exercise,
    Step,
    content_problems,
    full_steps,
    get_exercise,
    load_exercises,
    offered_exercises,
)
from bot.exercises.state import LogRecord, Message, Outcome, RunState
from bot.exercises.wording import Common, ContentError, fill, load_common, normalise, pick, shorten

__all__ = [
    "KINDS",
    "RATING_AFTER",
    "RATING_BEFORE",
    "STEP_KINDS",
    "Common",
    "ContentError",
    "Engine",
    "Exercise",
    "LogRecord",
    "Message",
    "Outcome",
    "RunState",
    "Step",
    "content_problems",
    "fill",
    "full_steps",
    "get_exercise",
    "load_common",
    "load_exercises",
    "normalise",
    "offered_exercises",
    "parse_number",
    "pick",
    "shorten",
    "split_items",
]
