"""The engine that walks an exercise script one answer at a time.

Plain Python with no Rasa imports. It keeps its state in a small dict (stored by the actions in Rasa
slots) and turns one answer into the next messages. Every run is: distress rating before -> the
script's steps -> outro + rating after. A script may turn the ratings off (`ratings: false`, for the
small-goal follow-up) and may be `hidden` from menus (run only when the assistant starts it, with
earlier answers as context). What each kind of step does (read an answer, offer buttons, lead with a
pacer) is one entry in the table KINDS.
"""

from __future__ import annotations

import re
from typing import Any

from bot.crisis import high_distress_line
from bot.exercises.answers import Clarify, is_yes
from bot.exercises.kinds import KINDS, offered_options
from bot.exercises.listening import Heard, listen, unanswered_question
from bot.exercises.scripts import RATING_AFTER, RATING_BEFORE, Exercise, Step, full_steps
from bot.exercises.state import EARLIER, PRIVATE, LogRecord, Message, Outcome, RunState, public
from bot.exercises.wording import Common, fill, load_common, normalise, pick, quote, tidy

MAX_UNUSABLE_ANSWERS = 2
MAX_CLARIFYING = 3  # questions back about a number (out of range, '5 or 6') before moving on
BIG_DROP = 3  # a fall of this much on the 0-10 rating is celebrated, not just noted
MAX_EXPLAINED = 5  # a choice explains its options in the text only when there are this few
CONTROL_CONFIDENCE = 0.9
CHANGE_OF_MIND_WORDS = 4
CHANGE_OF_MIND = re.compile(
    r"^(actually|wait|sorry|no wait|oh wait|hang on)\b|\b(make (that|it)|i meant|instead|change (that|it) to)\b"
)
STOP_HINTS = frozenset(["stop", "quit", "cancel", "exit", "end", "enough", "bye", "goodbye", "leave", "later"])
SWITCH_HINTS = frozenset(["menu", "else", "other", "others", "different", "another", "switch", "options", "instead"])
# "just leave it" is an idea, not a goodbye
LEAVE_SOMETHING = re.compile(r"\bleave (it|them|him|her|that|this|things)\b")
SWITCH_WORDS = frozenset({"something else", "menu", "other options", "show menu", "different exercise"})


# ---------------------------------------------------------------- the engine


class Engine:
    def __init__(self, exercise: Exercise, common: Common | None = None) -> None:
        self.exercise = exercise
        self.common = common or load_common()
        self.steps = full_steps(exercise, self.common)

    # -- asking

    def prompt(self, state: RunState) -> list[Message]:
        """The messages that ask the current step (none while a reply of ours waits for an answer)."""
        if state.answers.get(f"{PRIVATE}hold"):
            return []
        step = self.steps[state.step_index]
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        messages: list[Message] = []
        if step.id == RATING_AFTER and self.exercise.outro and not state.unusable:  # ratings on: outro first
            messages.append({"text": pick(self.exercise.outro, seed)})
        lead = KINDS[step.kind].lead
        if lead and (message := lead(self.exercise, state, step)):
            messages.append(message)
        text = pick(step.prompts, seed) if step.prompts else step.prompt
        earlier = state.answers.get(EARLIER)
        if step.earlier_prompt and earlier and not state.unusable:
            text = fill(step.earlier_prompt, earlier=quote(str(earlier)))
        if step.kind == "list" and state.answers.get(step.id):
            text = self._list_followup(state, step, seed)
        options = offered_options(state, step)
        explained = step.explain_options and "•" not in text and len(options) <= MAX_EXPLAINED
        if explained and any(o.get("explain") for o in options):
            text += "\n" + "\n".join(f"• {o['label']}: {o['explain']}" for o in options if o.get("explain"))
        if state.unusable and step.help:
            text = f"{step.help}\n{text}"
        buttons = KINDS[step.kind].buttons(state, step)
        messages.append({"text": tidy(fill(text, **self.context(state))), "buttons": buttons})
        return messages

    @staticmethod
    def context(state: RunState) -> dict[str, str]:
        """Earlier answers (or ones the run started with) that a prompt may quote as {step_id}."""
        return {key: quote(value) for key, value in public(state.answers).items() if isinstance(value, str)}

    def intro(self, state: RunState) -> str:
        return fill(self.exercise.intro, **self.context(state))

    def _list_followup(self, state: RunState, step: Step, seed: str) -> str:
        count = len(state.answers[step.id])
        if count >= step.min_items and step.enough_prompt:
            return step.enough_prompt
        return pick(step.more_prompt, seed) if step.more_prompt else step.prompt

    # -- answering

    def answer(self, state: RunState, text: str, intent: str | None = None, confidence: float = 0.0) -> Outcome:
        """Apply one answer to the current step; state is updated in place."""
        state.answers.pop(f"{PRIVATE}hold", None)
        step = self.steps[state.step_index]
        if step.kind == "choice" and step.offer_first and normalise(text) in self.common.words("show_all_words"):
            state.answers[f"{PRIVATE}all:{step.id}"] = True
            return Outcome()
        control = self._control_word(text, intent, confidence)
        if control in ("stop", "switch"):
            return Outcome(finished=True, ended_by=control)
        if control == "skip":
            return self._skip(state, step)
        if step.kind == "list" and normalise(text) in self.common.words("done_words"):
            return self._finish_list(state, step)
        changed = self._change_of_mind(state, text)
        if changed is not None:
            return changed
        seed = f"{state.run_id}:{step.id}:{len(state.answers)}:{state.unusable}"
        kind = KINDS[step.kind]
        earlier = state.answers.pop(EARLIER, None) if step.earlier_prompt else None
        if earlier and is_yes(text):  # "yes, that one": what they said before is the answer
            return self._accept(state, step, str(earlier), str(earlier))
        heard = (
            None
            if kind.numeric or kind.labelled
            else listen(text, step, self.exercise.id, self.common, intent, confidence, seed)
        )
        if heard is not None:
            return self._heard(state, heard)
        value = kind.read(state, step, text) if text.strip() else None
        if value is None:
            heard = listen(text, step, self.exercise.id, self.common, intent, confidence, seed) or unanswered_question(
                text, self.common, seed
            )
            return self._heard(state, heard) if heard is not None else self._unusable(state, step)
        if isinstance(value, Clarify):
            return self._clarify(state, step, value)
        state.answers.pop(f"{PRIVATE}offered", None)
        return self._accept(state, step, text, value)

    def _change_of_mind(self, state: RunState, text: str) -> Outcome | None:
        """'actually make that a 6', 'wait, 4-7-8 instead': a new answer to the step just answered (a
        number or an option), taken in its place; the current step is asked again."""
        said = normalise(text)
        if state.step_index == 0 or not CHANGE_OF_MIND.search(said):
            return None
        previous = self.steps[state.step_index - 1]
        if not (KINDS[previous.kind].numeric or previous.kind == "choice"):
            return None
        rest = CHANGE_OF_MIND.sub(" ", said)
        if len(rest.split()) > CHANGE_OF_MIND_WORDS:  # a longer message is an answer that starts "actually"
            return None
        value = KINDS[previous.kind].read(state, previous, rest)
        if value is None or isinstance(value, Clarify) or value == state.answers.get(previous.id):
            return None
        state.answers[previous.id] = value
        line = fill(pick(self.common.lines("changed"), state.run_id), answer=self.display(previous, value))
        numeric = float(value) if KINDS[previous.kind].numeric else None
        choice = value if isinstance(value, str) else None
        phase = {RATING_BEFORE: "before", RATING_AFTER: "after"}.get(previous.id)
        kind = "rating" if previous.kind == "rating" else "step"
        return Outcome(messages=[{"text": line}], logs=[LogRecord(kind, previous.id, numeric, phase, choice)])

    @staticmethod
    def _heard(state: RunState, heard: Heard) -> Outcome:
        """Not an answer: reply, keep the step (asked again unless the reply asks its own question)."""
        if heard.hold:
            state.answers[f"{PRIVATE}hold"] = True
        return Outcome(messages=[{"text": heard.reply, "buttons": heard.buttons}] if heard.reply else [])

    def _clarify(self, state: RunState, step: Step, clarify: Clarify) -> Outcome:
        state.unusable += 1
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        if state.unusable >= MAX_CLARIFYING:
            return self._skip(state, step, reply=pick(self.common.lines("invalid", "gave_up"), seed))
        if clarify.offered is not None:
            state.answers[f"{PRIVATE}offered"] = clarify.offered
        line = fill(pick(self.common.lines("clarify", clarify.why), seed), min=step.min, max=step.max, **clarify.said)
        buttons = [{"title": str(n), "payload": str(n)} for n in clarify.choices]
        state.answers[f"{PRIVATE}hold"] = True
        return Outcome(messages=[{"text": line, "buttons": buttons or KINDS[step.kind].buttons(state, step)}])

    def _control_word(self, text: str, intent: str | None, confidence: float) -> str | None:
        """stop / switch / skip. Single words must be in the word lists: a one-word answer ("mint")
        is an answer, whatever the classifier guesses; short phrases may also be recognised by intent.
        Text starting with "/" is a button or command the channel itself sent (typed slashes are
        removed by every channel), so its intent is trusted."""
        said = normalise(text)
        words = set(said.split()) - ({"leave"} if LEAVE_SOMETHING.search(said) else set())
        button = text.startswith("/")
        trusted = button or (2 <= len(words) <= 6 and confidence >= CONTROL_CONFIDENCE)
        # A typed phrase stops or switches by its intent only if it says so ("can we stop now"), never
        # on the classifier alone: "done now" at the end of a body scan is an answer, not a goodbye.
        if said in self.common.words("stop_words") or (
            trusted and intent in ("stop", "goodbye") and (button or words & STOP_HINTS)
        ):
            return "stop"
        if said in SWITCH_WORDS or (trusted and intent == "show_menu" and (button or words & SWITCH_HINTS)):
            return "switch"
        if said in self.common.words("skip_words") or (text.startswith("/") and intent == "skip"):
            return "skip"
        return None

    def _accept(self, state: RunState, step: Step, text: str, value: Any) -> Outcome:
        outcome = Outcome()
        kind = KINDS[step.kind]
        if step.kind == "list":
            items = [*state.answers.get(step.id, []), *value][: step.max_items]
            state.answers[step.id] = items
            state.unusable = 0
            if len(items) < step.max_items:
                return outcome  # ask for more (or "done") on the same step
            return self._advance(state, step, outcome, logged_value=float(len(items)))
        state.answers[step.id] = value
        if step.kind == "choice" and set(value if isinstance(value, list) else [value]) & set(step.escalate_on):
            return Outcome(logs=[LogRecord("step", step.id)], finished=True, ended_by="risk")
        reflection = self._reflection(state, step, text, value)
        if reflection:
            outcome.messages.append({"text": reflection})
        heavy = high_distress_line(float(value), state.run_id) if step.kind == "rating" else None
        if heavy:  # a 9 or 10: acknowledged, and a person offered, as at the check-in
            outcome.messages.append({"text": heavy})
        numeric = float(value) if kind.numeric else None
        choice = value if step.kind == "choice" and isinstance(value, str) else None
        return self._advance(state, step, outcome, logged_value=numeric, choice=choice)

    def _reflection(self, state: RunState, step: Step, text: str, value: Any) -> str:
        """What we say back, fitted to the answer: an option's own reply, how a re-rating moved,
        a smaller step for low confidence, else one of the step's reflections quoting the person."""
        seed = f"{state.run_id}:{step.id}:reflect"
        earlier = state.answers.get(step.compare_to) if step.compare_to else None
        if self._option_reply(step, value):
            line = self._option_reply(step, value)
        elif isinstance(earlier, int | float) and step.reflect_change:
            moved = "lower" if value < earlier else "higher" if value > earlier else "same"
            line = fill(pick(step.reflect_change.get(moved, step.reflect), seed), before=earlier, after=value)
        elif step.low_below is not None and isinstance(value, int | float) and value < step.low_below:
            line = pick(step.low_reply, seed)
        elif step.reflect:
            shown = self.display(step, value) if KINDS[step.kind].labelled else text
            line = pick(step.reflect, seed)
        else:
            return ""
        shown = self.display(step, value) if KINDS[step.kind].labelled else text
        return tidy(fill(line, answer=quote(shown), **self.context(state)))

    @staticmethod
    def _option_reply(step: Step, value: Any) -> str:
        """A choice option's own reply (`reply:` in the script), said instead of the step's reflect."""
        if step.kind != "choice" or not isinstance(value, str):
            return ""
        return next((option.get("reply", "") for option in step.options if option["value"] == value), "")

    def _finish_list(self, state: RunState, step: Step) -> Outcome:
        items = state.answers.get(step.id, [])
        if len(items) >= step.min_items:
            return self._advance(state, step, Outcome(), logged_value=float(len(items)))
        needed = step.min_items - len(items)
        line = pick(self.common.lines("invalid", "list_too_short"), f"{state.run_id}:{step.id}:{len(items)}")
        return Outcome(messages=[{"text": fill(line, needed=needed)}])

    def _skip(self, state: RunState, step: Step, reply: str = "") -> Outcome:
        if step.kind == "choice" and step.options and not step.multiple:
            state.answers[step.id] = step.options[0]["value"]  # a sensible default later steps can use
        reply = reply or step.skip_reply or pick(self.common.lines("skipped"), f"{state.run_id}:{step.id}:skip")
        return self._advance(state, step, Outcome(messages=[{"text": reply}]), skipped=True)

    def _unusable(self, state: RunState, step: Step) -> Outcome:
        state.unusable += 1
        seed = f"{state.run_id}:{step.id}:{state.unusable}"
        if state.unusable >= MAX_UNUSABLE_ANSWERS:
            return self._skip(state, step, reply=pick(self.common.lines("invalid", "gave_up"), seed))
        line = pick(self.common.lines("invalid", KINDS[step.kind].retry), seed) or step.help
        return Outcome(messages=[{"text": fill(line, min=step.min, max=step.max)}] if line else [])

    def _advance(
        self,
        state: RunState,
        step: Step,
        outcome: Outcome,
        logged_value: float | None = None,
        skipped: bool = False,
        choice: str | None = None,
    ) -> Outcome:
        if step.kind == "rating":
            phase = "before" if step.id == RATING_BEFORE else "after"
            outcome.logs.append(LogRecord("rating", step.id, None if skipped else logged_value, phase))
        else:
            outcome.logs.append(LogRecord("skip" if skipped else "step", step.id, logged_value, choice=choice))
        state.step_index += 1
        state.unusable = 0
        while state.step_index < len(self.steps) and self._nothing_to_pick(state):
            outcome.logs.append(LogRecord("skip", self.steps[state.step_index].id))
            state.step_index += 1
        outcome.finished = state.step_index >= len(self.steps)
        return outcome

    def _nothing_to_pick(self, state: RunState) -> bool:
        step = self.steps[state.step_index]
        return step.kind == "pick_from" and not state.answers.get(step.source)

    # -- closing

    def closing(self, state: RunState) -> str:
        if not self.exercise.ratings:  # nothing to compare: the script's own outro closes it
            return tidy(fill(pick(self.exercise.outro, f"{state.run_id}:closing"), **self.context(state)))
        before = state.answers.get(RATING_BEFORE)
        after = state.answers.get(RATING_AFTER)
        if before is None or after is None:
            change = "unknown"
        elif before - after >= BIG_DROP:
            change = "much_better"
        else:
            change = "better" if after < before else "worse" if after > before else "same"
        lines = self.common.lines("closing", change) or self.common.lines("closing", "better")
        return fill(pick(lines, f"{state.run_id}:closing"), before=before, after=after, exercise=self.exercise.call_it)

    @staticmethod
    def display(step: Step, value: Any) -> str:
        """An answer as the person saw it: option labels instead of their values."""
        labels = {option["value"]: option["label"] for option in step.options}
        values = value if isinstance(value, list) else [value]
        return ", ".join(
            labels.get(str(item), str(item) if not isinstance(item, float) else f"{item:g}") for item in values
        )

    def summary(self, answers: dict[str, Any]) -> str:
        """The result as a workbook page (thought record, plan): at the end of a run, and on request."""
        readable = {step_id: "(skipped)" for step_id in self.exercise.step_ids()}
        steps = {step.id: step for step in self.exercise.steps}
        for key, value in public(answers).items():
            readable[key] = self.display(steps[key], value) if key in steps else value
        return fill(self.exercise.summary_template, **readable).strip()
