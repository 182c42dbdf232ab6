"""The relationship's life cycle: every transition from every state, legal or not."""

from __future__ import annotations

import pytest

from coaching.lifecycle import TRANSITIONS, IllegalTransition, State, Transition, next_state

LEGAL = {
    (State.REQUESTED, Transition.ACCEPT): State.EXPLORING,
    (State.REQUESTED, Transition.DECLINE): State.DECLINED,
    (State.REQUESTED, Transition.EXPIRE): State.EXPIRED,
    (State.REQUESTED, Transition.WITHDRAW): State.WITHDRAWN,
    (State.EXPLORING, Transition.EXECUTE_AGREEMENT): State.ACTIVE,
    (State.ACTIVE, Transition.EXECUTE_AGREEMENT): State.ACTIVE,
    (State.EXPLORING, Transition.PAUSE): State.PAUSED,
    (State.ACTIVE, Transition.PAUSE): State.PAUSED,
    (State.PAUSED, Transition.RESUME): State.ACTIVE,
    (State.EXPLORING, Transition.END): State.CONCLUDED,
    (State.ACTIVE, Transition.END): State.CONCLUDED,
    (State.PAUSED, Transition.END): State.CONCLUDED,
}


@pytest.mark.parametrize(("state", "transition"), [(s, t) for s in State for t in Transition])
def test_every_transition_from_every_state(state: State, transition: Transition) -> None:
    if (state, transition) in LEGAL:
        assert next_state(state, transition) is LEGAL[(state, transition)]
    else:
        with pytest.raises(IllegalTransition) as raised:
            next_state(state, transition)
        assert str(raised.value).startswith(f"Can't {transition.value}: this is ")


def test_the_table_and_the_specification_agree() -> None:
    table = {(s, t): target for t, (sources, target) in TRANSITIONS.items() for s in sources}
    assert table == LEGAL


def test_concluded_is_final() -> None:
    for transition in Transition:
        with pytest.raises(IllegalTransition):
            next_state("concluded", transition)
