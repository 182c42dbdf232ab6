"""The relationship's life cycle: named states and the transitions allowed between them."""

from __future__ import annotations

from enum import StrEnum

from coaching.errors import Refused
from storage.states import RelationshipState as State


class Transition(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    EXPIRE = "expire"
    WITHDRAW = "withdraw"
    EXECUTE_AGREEMENT = "execute agreement"
    PAUSE = "pause"
    RESUME = "resume"
    END = "end"


TRANSITIONS: dict[Transition, tuple[frozenset[State], State]] = {
    Transition.ACCEPT: (frozenset({State.REQUESTED}), State.EXPLORING),
    Transition.DECLINE: (frozenset({State.REQUESTED}), State.DECLINED),
    Transition.EXPIRE: (frozenset({State.REQUESTED}), State.EXPIRED),
    Transition.WITHDRAW: (frozenset({State.REQUESTED}), State.WITHDRAWN),
    Transition.EXECUTE_AGREEMENT: (frozenset({State.EXPLORING, State.ACTIVE}), State.ACTIVE),
    Transition.PAUSE: (frozenset({State.EXPLORING, State.ACTIVE}), State.PAUSED),
    Transition.RESUME: (frozenset({State.PAUSED}), State.ACTIVE),
    Transition.END: (frozenset({State.EXPLORING, State.ACTIVE, State.PAUSED}), State.CONCLUDED),
}

OPEN_REQUEST = frozenset({State.REQUESTED})
CURRENT = frozenset({State.REQUESTED, State.EXPLORING, State.ACTIVE, State.PAUSED})
"""States in which the two people are still connected."""
MATCHED = frozenset({State.EXPLORING, State.ACTIVE, State.PAUSED})
"""States that take one of the coach's places."""
TALKING = frozenset({State.EXPLORING, State.ACTIVE})
"""States in which the pair meets (not paused)."""

_DESCRIPTIONS = {
    State.REQUESTED: "waiting for the coach's answer",
    State.EXPLORING: "exploring the fit",
    State.ACTIVE: "working together",
    State.PAUSED: "paused",
    State.CONCLUDED: "concluded",
    State.DECLINED: "declined",
    State.EXPIRED: "expired without an answer",
    State.WITHDRAWN: "withdrawn",
}


def describe(state: State | str) -> str:
    return _DESCRIPTIONS[State(state)]


class IllegalTransition(Refused):
    def __init__(self, state: State, transition: Transition) -> None:
        self.state = state
        self.transition = transition
        super().__init__(f"Can't {transition.value}: this is {describe(state)}.")


def next_state(state: State | str, transition: Transition) -> State:
    """Where `transition` leads from `state`, or `IllegalTransition` with a clear reason."""
    sources, target = TRANSITIONS[transition]
    current = State(state)
    if current not in sources:
        raise IllegalTransition(current, transition)
    return target
