"""Finding a coach through Slack: `/find-coach`, its filters, pages and profiles."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from coaching import gallery
from coaching.ranking import Slot
from handlers import ids, listening

from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import LEARNER

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def coach(bot: BotHarness, user_id: str, **fields: Any) -> None:
    bot.fake.add_user(
        user_id,
        real_name=fields.get("name", user_id),
        tz=fields.get("time_zone", "America/Chicago"),
    )
    with bot.sessions.begin() as session:
        add_coach(session, user_id, **fields)


def learner(bot: BotHarness, user_id: str = LEARNER, **fields: Any) -> None:
    with bot.sessions.begin() as session:
        add_learner(session, user_id, **fields)


def names(blocks: list[dict[str, Any]]) -> list[str]:
    """Coach names in the order shown."""
    shown = []
    for block in blocks:
        if block["type"] == "section" and block.get("text", {}).get("text", "").startswith("*"):
            shown.append(block["text"]["text"].split("*")[1])
    return shown


def reasons(blocks: list[dict[str, Any]]) -> list[str]:
    return [b["elements"][0]["text"] for b in blocks if b["type"] == "context"]


def search(bot: BotHarness, text: str = "", user: str = LEARNER) -> list[dict[str, Any]]:
    response = bot.command(ids.FIND_COACH.name, user, text)
    assert response.status == 200
    reply = response.json()
    assert reply["response_type"] == "ephemeral"
    return reply["blocks"]


def pick(
    bot: BotHarness, blocks: list[dict[str, Any]], action_id: str, value: str
) -> list[dict[str, Any]]:
    """Choose `value` in a filter menu of the results; returns the results as replaced."""
    block = next(
        b for b in blocks if b["type"] == "actions" and b["block_id"].startswith("filters|")
    )
    element = next(e for e in block["elements"] if e["action_id"] == action_id)
    option = next(o for o in element["options"] if o["value"] == value)
    bot.click(
        action_id,
        LEARNER,
        block_id=block["block_id"],
        selected_option=option,
        response_url=bot.fake.response_url(),
    )
    reply = bot.fake.last("response_url").args
    assert reply["replace_original"] is True
    return reply["blocks"]


def test_results_show_who_the_coach_is_and_why_they_are_offered(bot: BotHarness) -> None:
    learner(bot)
    coach(
        bot,
        "U1C",
        name="Grace Park",
        city="Des Moines",
        state="IA",
        expertise=["Public Works", "Finance", "Strategic Planning"],
        coaching_kinds=["career", "political"],
        meeting_forms=["in_person", "video"],
        max_learners="3",
    )

    blocks = search(bot)

    text = str(blocks)
    assert names(blocks) == ["Grace Park"]
    assert "Strongest in Public Works, Finance, Strategic Planning" in text
    assert "Career, Political · meets by in person, video call · room for 3 more" in text
    assert reasons(blocks) == [
        "Public Works, Finance · career · same city · same time zone · has room"
    ]
    buttons = [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert ids.VIEW_COACH in buttons and ids.ASK_INTRO in buttons


def test_paused_full_self_and_current_coaches_are_not_offered(bot: BotHarness) -> None:
    learner(bot)
    coach(bot, "U1A", name="Available Coach")
    coach(bot, "U1P", name="Paused Coach")
    coach(bot, LEARNER, name="Learner Themself", email="lena.ortiz@example.gov")
    bot.command(ids.PROFILE.name, "U1P", "pause")

    assert names(search(bot)) == ["Available Coach"]


def test_free_text_tolerates_case_and_small_typos(bot: BotHarness) -> None:
    learner(bot)
    coach(bot, "U1S", name="Sam Planner", expertise=["Strategic Planning", "IT", "Police"])
    coach(
        bot,
        "U1B",
        name="Bo Budget",
        expertise=["Finance", "IT", "Police"],
        why_coach="Twenty years of budget season taught me patience.",
    )
    coach(bot, "U1N", name="No Match", expertise=["Fire/EMS", "IT", "Police"])

    assert names(search(bot, "STRATEGIC planing")) == ["Sam Planner"]
    assert names(search(bot, "budgte")) == ["Bo Budget"]
    assert names(search(bot, "bo budget")) == ["Bo Budget"]


def test_an_empty_result_suggests_how_to_widen(bot: BotHarness) -> None:
    learner(bot)
    coach(bot, "U1A", name="Any Coach")
    blocks = search(bot, "zoology")
    assert names(blocks) == []
    assert "set a filter back to *Any*" in str(blocks)


def test_filters_narrow_the_results_in_place(bot: BotHarness) -> None:
    learner(bot, organization="Polk County", department="Public Works")
    coach(
        bot,
        "U1F",
        name="Fin Ames",
        expertise=["Finance", "IT", "Police"],
        state="IA",
        meeting_forms=["in_person"],
        coaching_kinds=["career"],
    )
    coach(
        bot,
        "U1P",
        name="Pol Denver",
        expertise=["Police", "IT", "Management"],
        state="CO",
        organization="City of Denver",
        meeting_forms=["video"],
        coaching_kinds=["political"],
        time_zone="America/Denver",
    )
    coach(
        bot,
        "U1D",
        name="Dept Mate",
        expertise=["Public Works", "IT", "Management"],
        organization="Polk County",
        department="Public Works",
        meeting_forms=["phone"],
    )
    coach(
        bot,
        "U1O",
        name="Org Mate",
        expertise=["Human Resources", "IT", "Management"],
        organization="Polk County",
        department="Human Resources",
        meeting_forms=["email"],
    )

    blocks = search(bot)
    assert sorted(names(blocks)) == ["Dept Mate", "Fin Ames", "Org Mate", "Pol Denver"]

    assert names(pick(bot, blocks, ids.FILTER_AREA, "Finance")) == ["Fin Ames"]
    assert names(pick(bot, blocks, ids.FILTER_REGION, "IA")) == ["Fin Ames"]
    assert names(pick(bot, blocks, ids.FILTER_KIND, "political")) == ["Pol Denver"]
    assert names(pick(bot, blocks, ids.FILTER_MEETING, "phone")) == ["Dept Mate"]
    assert names(pick(bot, blocks, ids.FILTER_SLOT, Slot.DEPARTMENT)) == ["Dept Mate"]
    assert names(pick(bot, blocks, ids.FILTER_SLOT, Slot.ORGANIZATION)) == ["Org Mate"]
    outside = pick(bot, blocks, ids.FILTER_SLOT, Slot.OUTSIDE)
    assert sorted(names(outside)) == ["Fin Ames", "Pol Denver"]

    both = pick(bot, pick(bot, blocks, ids.FILTER_AREA, "IT"), ids.FILTER_MEETING, "email")
    assert names(both) == ["Org Mate"]


def test_remote_coaching_ranks_nearer_time_zones_first(bot: BotHarness) -> None:
    learner(bot, state="ME", time_zone="America/New_York")
    coach(bot, "U1W", name="West Coast", state="OR", time_zone="America/Los_Angeles")
    coach(bot, "U1E", name="East Coast", state="NC", time_zone="America/New_York")
    coach(bot, "U1M", name="Mountain", state="CO", time_zone="America/Denver")
    blocks = pick(bot, search(bot), ids.FILTER_REGION, "remote")
    assert names(blocks) == ["East Coast", "Mountain", "West Coast"]
    assert "3 hours apart" in reasons(blocks)[2]


def test_results_are_paged_within_block_limits(bot: BotHarness) -> None:
    learner(bot)
    for i in range(12):
        coach(bot, f"U2{i:02d}", name=f"Coach {i:02d}")
    first = search(bot)
    assert len(names(first)) == 5 and len(first) <= 50
    assert "12 coaches match · showing 1–5" in str(first)
    pages = next(b for b in first if b.get("block_id", "").startswith("pages|"))
    more = pages["elements"][-1]
    bot.click(
        ids.PAGE,
        LEARNER,
        value=more["value"],
        block_id=pages["block_id"],
        response_url=bot.fake.response_url(),
    )
    second = bot.fake.last("response_url").args["blocks"]
    assert "showing 6–10" in str(second)
    assert not set(names(first)) & set(names(second))


def test_view_profile_opens_the_full_profile(bot: BotHarness) -> None:
    learner(bot)
    coach(bot, "U1G", name="Grace Park", why_coach="I coach <!channel> & friends.")
    blocks = search(bot)
    button = next(
        e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == ids.VIEW_COACH
    )
    block_id = next(
        b["block_id"] for b in blocks if b["type"] == "actions" and button in b["elements"]
    )
    bot.click(ids.VIEW_COACH, LEARNER, value=button["value"], block_id=block_id)
    view = bot.fake.last("views.open").args["view"]
    assert view["callback_id"] == ids.COACH_PROFILE_VIEW
    assert "I coach &lt;!channel&gt; &amp; friends." in str(view["blocks"])


def page_buttons(blocks: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, dict]]:
    """The paging block and its buttons by label."""
    pages = next(b for b in blocks if b.get("block_id", "").startswith("pages|"))
    return pages, {e["text"]["text"]: e for e in pages["elements"]}


def test_every_page_of_a_long_search_is_reached_with_the_buttons_shown(bot: BotHarness) -> None:
    """Slack refuses a block with two buttons of one action_id; a middle page carries
    Previous and More coaches side by side, and each click must work."""
    learner(bot)
    for i in range(14):
        coach(bot, f"U3{i:02d}", name=f"Coach {i:02d}")
    blocks = search(bot)
    seen: list[str] = []
    for expected in ("showing 1–5", "showing 6–10", "showing 11–14"):
        assert expected in str(blocks)
        seen += names(blocks)
        pages, buttons = page_buttons(blocks)
        if "More coaches" not in buttons:
            break
        more = buttons["More coaches"]
        reply = bot.click(
            more["action_id"],
            LEARNER,
            value=more["value"],
            block_id=pages["block_id"],
            response_url=bot.fake.response_url(),
        )
        assert reply.status == 200
        answer = bot.fake.last("response_url")
        assert answer.ok, answer.error
        blocks = answer.args["blocks"]
    assert len(seen) == 14 and len(set(seen)) == 14

    pages, buttons = page_buttons(blocks)
    back = buttons["Previous"]
    bot.click(
        back["action_id"],
        LEARNER,
        value=back["value"],
        block_id=pages["block_id"],
        response_url=bot.fake.response_url(),
    )
    middle = bot.fake.last("response_url")
    assert middle.ok and "showing 6–10" in str(middle.args["blocks"])
    assert set(page_buttons(middle.args["blocks"])[1]) == {"Previous", "More coaches"}


def test_a_slow_search_says_so_at_once_and_the_results_follow(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the gallery takes longer than Slack waits for an answer (a busy database),
    the person reads a progress line instead of Slack's error, then the results."""
    learner(bot)
    coach(bot, "U1C", name="Carla Diaz")
    find_coaches = gallery.find_coaches

    def slow_find_coaches(*args: Any, **kwargs: Any) -> Any:
        threading.Event().wait(1.0)
        return find_coaches(*args, **kwargs)

    monkeypatch.setattr(listening, "ACK_DEADLINE_SECONDS", 0.05)
    monkeypatch.setattr(gallery, "find_coaches", slow_find_coaches)

    response = bot.command(ids.FIND_COACH.name, LEARNER)

    assert response.status == 200
    assert response.json() == {"response_type": "ephemeral", "text": "Searching the gallery…"}
    reply = bot.fake.last("response_url").args
    assert reply["replace_original"] is True
    assert names(reply["blocks"]) == ["Carla Diaz"]


def test_a_quick_search_answers_in_the_acknowledgement(bot: BotHarness) -> None:
    learner(bot)
    coach(bot, "U1C", name="Carla Diaz")

    assert names(search(bot)) == ["Carla Diaz"]
    assert bot.fake.calls_to("response_url") == []
