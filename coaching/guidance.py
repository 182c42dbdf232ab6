"""Short guides the program hands out at the start of a relationship, kept as data:
each is a title and a list of (point, one line) that a view renders.

The points follow the program's coaching guidelines and its tips for coachees; the
wording is Sounding Board's own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Guide:
    title: str
    lead: str
    points: tuple[tuple[str, str], ...]


FIRST_CONVERSATION = Guide(
    title="A great first conversation",
    lead="You said yes. A few ideas for the first conversation, in roughly this order:",
    points=(
        (
            "Ask about their hopes",
            "What matters to them, and why? Help them look past the first answer.",
        ),
        (
            "Find the real issues",
            "Play back what you hear in your own words; the obstacle underneath often "
            "surfaces that way.",
        ),
        (
            "Explore options",
            "Ask which paths they already see, then add one or two they may have missed.",
        ),
        (
            "Tell stories",
            "Share what you have seen or lived through instead of giving instructions; "
            "let them draw the lesson.",
        ),
        (
            "Hold a big vision",
            "Say what you hope for them. People often aim lower than they need to.",
        ),
        (
            "Invite action",
            "Offer one concrete step for them to react to, and leave the decision with them.",
        ),
        (
            "Widen their team",
            "Think together about who else could help: peers, sponsors, a dream team.",
        ),
    ),
)

LEARNER_TIPS = Guide(
    title="Getting the most from your coach",
    lead="Coaches love to help; these habits make it easy for them:",
    points=(
        ("Take the initiative", "Your coach is busy: you propose the times and the agenda."),
        (
            "Prepare",
            "Before each talk, name what it is for and note the questions you want answered.",
        ),
        (
            "Be present",
            "Silence notifications, step away from your desk and arrive with a clear head.",
        ),
        (
            "Ask open questions",
            "“Why might that be a problem?” and “What else could I try?” draw out more "
            "than yes-or-no questions.",
        ),
        (
            "Debrief",
            "Right afterwards, jot down what worked, what didn't, what you learned and "
            "what you will do.",
        ),
        (
            "Act on one thing",
            "The choices are yours; still, try at least one suggestion that fits your situation.",
        ),
        (
            "Give feedback",
            "Tell your coach what you tried and how it went. It keeps them interested "
            "and helps them help you.",
        ),
        ("Say thanks", "A short note of thanks goes a long way; a hand-written one further."),
    ),
)
