"""The statement of mutual understanding and the relationship's life through Slack."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from coaching import intros
from coaching.intros import IntroDetails
from handlers import ids
from storage.models import Agreement, Relationship

from support.harness import BotHarness
from support.seed import add_coach, add_learner
from support.workspace import COACH, COORDINATOR, LEARNER, OTHER_LEARNER, PROGRAM_CHANNEL, STRANGER

TERMS = {
    "confidentiality": "What we discuss stays between us unless we agree otherwise.",
    "start_date": date.today().isoformat(),
    "duration_months": "6",
    "frequency": "monthly",
    "contact_forms": ["video", "email"],
    "coach_time": "An hour a month",
    "coach_roles": ["guide", "feedback"],
    "goals": "Prepare for a deputy director role.",
    "additional_points": "",
    "acknowledgements": ["no_fault", "owns_choices"],
}


def exploring_pair(bot: BotHarness) -> int:
    """A learner and coach who have just accepted, as the intro flow leaves them."""
    with bot.sessions.begin() as session:
        add_learner(session, LEARNER, name="Lena Ortiz", email="lena.ortiz@example.gov")
        add_learner(session, OTHER_LEARNER, name="Priya Shah", email="priya.shah@example.gov")
        coach_id = add_coach(session, COACH, name="Carl Mendez", email="carl.mendez@example.gov")
        now = bot.bot.runtime.clock()
        request, _ = intros.request_intro(
            session,
            "T0TEAM",
            LEARNER,
            coach_id,
            IntroDetails("career", "Growth", "video", ""),
            "key-1",
            now,
            max_open=3,
        )
        intros.accept(session, "T0TEAM", request.id, COACH, now)
        return request.id


def dm(bot: BotHarness, user: str) -> list[dict[str, Any]]:
    return bot.fake.messages(bot.fake.dm_channel(user))


def button(message: dict[str, Any], action_id: str) -> str:
    return next(
        e["value"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == action_id
    )


def click_in_dm(bot: BotHarness, user: str, action_id: str) -> None:
    message = next(m for m in reversed(dm(bot, user)) if action_id in str(m["blocks"]))
    bot.click(
        action_id,
        user,
        value=button(message, action_id),
        message=message,
        channel=bot.fake.dm_channel(user),
        response_url=bot.fake.response_url(),
    )


def draft_as(bot: BotHarness, user: str, relationship_id: int, **changes: Any) -> Any:
    bot.click(
        ids.AGREEMENT_START, user, value=str(relationship_id), response_url=bot.fake.response_url()
    )
    form = bot.opened_view()
    assert form["callback_id"] == ids.AGREEMENT_FORM_VIEW
    return bot.submit(form, user, TERMS | changes)


def agreements_(bot: BotHarness) -> list[tuple[int, str]]:
    with bot.sessions() as session:
        return [
            (a.version, a.status) for a in session.scalars(select(Agreement).order_by(Agreement.id))
        ]


def state(bot: BotHarness) -> str:
    with bot.sessions() as session:
        return session.scalars(select(Relationship.state)).one()


def test_draft_review_propose_changes_sign_and_execute(bot: BotHarness) -> None:
    relationship_id = exploring_pair(bot)

    assert draft_as(bot, LEARNER, relationship_id).body == ""
    review = dm(bot, COACH)[-1]
    assert "signed version 1 of your agreement" in str(review["blocks"])
    assert f"with <@{COACH}> to sign" in dm(bot, LEARNER)[-1]["text"]

    click_in_dm(bot, COACH, ids.AGREEMENT_CHANGE)
    changed = bot.opened_view()
    assert "Prepare for a deputy director role." in str(changed["blocks"])
    response = bot.submit(changed, COACH, {"frequency": "quarterly"})
    assert response.body == "", response.body
    first_review, sent = dm(bot, COACH)
    assert f"<@{COACH}> proposed changes." in str(first_review["blocks"])
    assert not any(b["type"] == "actions" for b in first_review["blocks"])
    assert f"with <@{LEARNER}> to sign" in sent["text"]
    assert "Quarterly" in str(dm(bot, LEARNER)[-1]["blocks"])
    assert agreements_(bot) == [(1, "draft")]

    click_in_dm(bot, LEARNER, ids.AGREEMENT_SIGN)

    assert agreements_(bot) == [(1, "executed")]
    assert state(bot) == "active"
    notice = bot.fake.messages(PROGRAM_CHANNEL)[-1]
    assert "signed version 1 of their agreement" in notice["blocks"][0]["text"]["text"]
    assert "quarterly" in str(notice["blocks"])
    assert "What we discuss" not in str(notice), "the channel gets a notice, not the terms"
    pair = bot.fake.messages(bot.fake.last("conversations.open").response["channel"]["id"])
    assert "Statement of mutual understanding · v1" in str(pair[-1]["blocks"])
    assert f"<@{LEARNER}> signed" in str(pair[-1]["blocks"])


def test_amending_after_execution_makes_version_two(bot: BotHarness) -> None:
    relationship_id = exploring_pair(bot)
    draft_as(bot, LEARNER, relationship_id)
    click_in_dm(bot, COACH, ids.AGREEMENT_SIGN)
    assert agreements_(bot) == [(1, "executed")]

    draft_as(bot, COACH, relationship_id, duration_months="9")
    click_in_dm(bot, LEARNER, ids.AGREEMENT_SIGN)

    assert agreements_(bot) == [(1, "superseded"), (2, "executed")]
    with bot.sessions() as session:
        latest = session.scalars(select(Agreement).where(Agreement.version == 2)).one()
    bot.click(
        ids.AGREEMENT_VIEW, LEARNER, value=str(latest.id), response_url=bot.fake.response_url()
    )
    shown = str(bot.opened_view()["blocks"])
    assert "Version 2 · executed" in shown and "Version 1 · superseded" in shown


def test_missing_acknowledgements_or_impossible_duration_save_nothing(bot: BotHarness) -> None:
    relationship_id = exploring_pair(bot)
    reply = draft_as(
        bot, LEARNER, relationship_id, acknowledgements=["no_fault"], duration_months="40"
    ).json()
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"acknowledgements", "duration_months"}
    assert agreements_(bot) == []
    reply = draft_as(bot, LEARNER, relationship_id, confidentiality=" ", start_date="").json()
    assert set(reply["errors"]) == {"confidentiality", "start_date"}
    assert agreements_(bot) == []
    reply = draft_as(bot, LEARNER, relationship_id, duration_months="²").json()
    assert set(reply["errors"]) == {"duration_months"}, "a digit that is no number"
    assert agreements_(bot) == []


def test_a_double_click_on_sign_signs_once(bot: BotHarness) -> None:
    relationship_id = exploring_pair(bot)
    draft_as(bot, LEARNER, relationship_id)
    message = dm(bot, COACH)[-1]
    for _ in range(2):
        bot.click(
            ids.AGREEMENT_SIGN,
            COACH,
            value=button(message, ids.AGREEMENT_SIGN),
            message=message,
            channel=bot.fake.dm_channel(COACH),
            response_url=bot.fake.response_url(),
        )
    assert agreements_(bot) == [(1, "executed")]
    assert len(bot.fake.messages(PROGRAM_CHANNEL)) == 1
    assert "already executed" in bot.fake.last("response_url").args["text"]


@pytest.mark.parametrize("outsider", [STRANGER, OTHER_LEARNER])
def test_an_agreement_is_visible_only_to_its_parties_and_coordinators(
    bot: BotHarness, outsider: str
) -> None:
    relationship_id = exploring_pair(bot)
    draft_as(bot, LEARNER, relationship_id)
    with bot.sessions() as session:
        agreement_id = session.scalars(select(Agreement.id)).one()
    opened = len(bot.fake.calls_to("views.open"))

    for action_id in (ids.AGREEMENT_VIEW, ids.AGREEMENT_SIGN, ids.AGREEMENT_CHANGE):
        bot.click(
            action_id, outsider, value=str(agreement_id), response_url=bot.fake.response_url()
        )
        assert bot.fake.last("response_url").args["text"] == "That agreement isn't one of yours."
    bot.click(
        ids.AGREEMENT_START,
        outsider,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    assert "Only the learner and the coach" in bot.fake.last("response_url").args["text"]
    assert len(bot.fake.calls_to("views.open")) == opened
    assert agreements_(bot) == [(1, "draft")]

    bot.click(ids.AGREEMENT_VIEW, COORDINATOR, value=str(agreement_id))
    assert "Version 1 · draft" in str(bot.opened_view()["blocks"])


def test_pause_resume_and_a_kind_no_fault_end(bot: BotHarness) -> None:
    relationship_id = exploring_pair(bot)
    draft_as(bot, LEARNER, relationship_id)
    click_in_dm(bot, COACH, ids.AGREEMENT_SIGN)

    bot.click(
        ids.RELATIONSHIP_PAUSE,
        COACH,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    assert state(bot) == "paused"
    assert "paused your coaching relationship" in dm(bot, LEARNER)[-1]["text"]
    bot.click(
        ids.RELATIONSHIP_PAUSE,
        LEARNER,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    assert bot.fake.last("response_url").args["text"] == "Can't pause: this is paused."

    bot.click(
        ids.RELATIONSHIP_RESUME,
        LEARNER,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    assert state(bot) == "active"

    bot.click(
        ids.RELATIONSHIP_END,
        LEARNER,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    bot.submit(
        bot.opened_view(),
        LEARNER,
        {"reason": "Moving to another city.", "thanks": "Thank you for the push!"},
    )
    assert state(bot) == "concluded"
    told = dm(bot, COACH)[-1]["text"]
    assert "no fault" in told and "Thank you for the push!" in told
    assert "Moving to another city." not in told
    with bot.sessions() as session:
        assert session.scalars(select(Relationship.end_reason)).one() == "Moving to another city."

    bot.click(
        ids.RELATIONSHIP_RESUME,
        COACH,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    assert bot.fake.last("response_url").args["text"] == "Can't resume: this is concluded."
    bot.click(
        ids.RELATIONSHIP_PAUSE,
        STRANGER,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    assert "isn't one of yours" in bot.fake.last("response_url").args["text"]


def test_my_coaching_shows_relationships_and_the_two_plus_one(bot: BotHarness) -> None:
    exploring_pair(bot)
    reply = bot.command(ids.MY_COACHING.name, LEARNER).json()
    shown = str(reply["blocks"])
    assert f"<@{COACH}>* (your coach) · exploring the fit" in shown
    assert "No agreement recorded yet." in shown
    assert "✅ Outside my agency: Carl Mendez" in shown
    assert "◻️ In my department: missing" in shown
    finds = [b for b in reply["blocks"] if b.get("block_id", "").startswith("portfolio-")]
    assert [e["value"] for b in finds for e in b["elements"]] == ["department", "organization"]

    bot.click(ids.FIND_FOR_SLOT, LEARNER, value="department", response_url=bot.fake.response_url())
    assert "Find a coach" in str(bot.fake.last("response_url").args["blocks"])

    coach_view = str(bot.command(ids.MY_COACHING.name, COACH).json()["blocks"])
    assert f"<@{LEARNER}>* (your learner)" in coach_view and "2 + 1" not in coach_view


def test_an_overlong_reason_to_end_is_refused_with_its_limit_and_nothing_ends(
    bot: BotHarness,
) -> None:
    relationship_id = exploring_pair(bot)
    bot.click(
        ids.RELATIONSHIP_END,
        LEARNER,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )
    form = bot.opened_view()
    reason = next(block for block in form["blocks"] if block.get("block_id") == "reason")
    assert "Up to 1,000 characters." in reason["hint"]["text"]

    response = bot.submit(form, LEARNER, {"reason": "x" * 100_000, "thanks": "Thanks!"})

    assert response.json() == {
        "response_action": "errors",
        "errors": {"reason": "Please keep this to 1,000 characters or fewer."},
    }
    assert state(bot) == "exploring"
    assert "brought your coaching relationship to a close" not in str(dm(bot, COACH))


def test_a_nul_byte_in_a_thank_you_note_is_a_field_error(bot: BotHarness) -> None:
    relationship_id = exploring_pair(bot)
    bot.click(
        ids.RELATIONSHIP_END,
        LEARNER,
        value=str(relationship_id),
        response_url=bot.fake.response_url(),
    )

    response = bot.submit(bot.opened_view(), LEARNER, {"thanks": "Thanks\x00!"})

    assert "control character" in response.json()["errors"]["thanks"]
    assert state(bot) == "exploring"
