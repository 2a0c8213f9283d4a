"""Finding 3 (alerts): only high and imminent risk pages at once; lower escalations arrive as one
digest per contact, however many there are, so a flood cannot bury the on-call counselor."""

from __future__ import annotations

import pytest

from bot.escalation.notify import deliver_due
from bot.escalation.schedule import DIGEST_MINUTES
from tests.integration.test_notifications import PRIMARY_CHAT, Stack, later, open_escalation, sent_texts


@pytest.mark.asyncio
async def test_twenty_moderate_escalations_become_one_digest_per_transport(stack: Stack) -> None:
    for number in range(20):
        open_escalation("moderate", conversation=f"flood-{number:02d}")
    assert await deliver_due() == 0, "nobody is paged at once for moderate risk"
    assert await deliver_due(later(minutes=DIGEST_MINUTES)) == 3
    [text] = sent_texts(stack, PRIMARY_CHAT)
    assert "20 lower-severity escalation(s)" in text
    assert len(stack.hook.requests) == 1 and len(stack.smtp.messages) == 1
    assert await deliver_due(later(minutes=DIGEST_MINUTES * 2)) == 0, "each escalation is in one digest only"


@pytest.mark.asyncio
async def test_high_risk_still_pages_at_once_during_a_flood(stack: Stack) -> None:
    for number in range(5):
        open_escalation("low", conversation=f"flood-{number}")
    open_escalation("imminent", conversation="real-person")
    assert await deliver_due() == 3
    assert "IMMINENT" in sent_texts(stack, PRIMARY_CHAT)[0]
