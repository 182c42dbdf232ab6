"""A year of a real program is the test: about forty pairs with seeded characters, driven
through signed HTTP against the strict fake Slack, the clock moved a working day at a
time across a year and both daylight-saving changes, clicking only buttons the bot sent
(`support/year.py`). It checks invariants, not examples:

- Slack refuses nothing (but messages to the coach who left the workspace);
- every active pair hears from the bot every cadence period;
- each logged conversation gets exactly one debrief prompt;
- each check-in shows the learner's open commitments;
- nothing reaches a paused or ended pair;
- no scheduled nudge arrives outside the recipient's working hours;
- every message that failed for good is on the coordinators' Home.

Fixed seeds run here; `python -m benchmarks year` runs more seeds and pairs.
"""

from __future__ import annotations

import pytest

from support.harness import BotHarness
from support.year import Program

SEEDS = [7]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_year_of_a_program_keeps_every_promise(bot: BotHarness, seed: int) -> None:
    program = Program(bot, seed, pairs=40)

    figures = program.run()

    print(f"\nseed {seed}: {figures}")
    assert program.check() == []
    assert figures.messages > 500
    assert program.commitments_checked > 0, "check-ins with open commitments were seen"
