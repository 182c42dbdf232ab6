"""The sandbox (`python -m bot sandbox`) driven through its HTTP API, as its page does:
the real bot, a local stand-in for Slack, and a clock that can be moved forward."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.server import make_server
from sandbox import demo, render
from sandbox.web import build_page_app
from sandbox.world import Sandbox

LEARNER = "U0LENA"

TERMS = {
    "confidentiality": "What we discuss stays between us unless we agree otherwise.",
    "start_date": date.today().isoformat(),
    "duration_months": "6",
    "frequency": "monthly",
    "contact_forms": ["video"],
    "coach_time": "An hour a month",
    "coach_roles": ["guide"],
    "goals": "Prepare for a deputy director role.",
    "acknowledgements": ["no_fault", "owns_choices"],
}


class Page:
    """Talks to the sandbox's API exactly as sandbox/static/sandbox.js does."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.user = LEARNER
        self.channel: str | None = None
        self.state: dict[str, Any] = {}

    def _send(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.base + "/sandbox/api/" + path,
            data=data,
            method="GET" if body is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as reply:
            self.state = json.loads(reply.read())
        self.channel = self.state["channel"]
        return self.state

    def load(self, user: str | None = None, channel: str | None = None) -> dict[str, Any]:
        self.user = user or self.user
        query = f"state?user={self.user}" + (f"&channel={channel}" if channel else "")
        return self._send(query)

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        return self._send(path, {"user": self.user, "channel": self.channel, **body})

    def command(self, text: str) -> dict[str, Any]:
        return self.post("command", text=text)

    def click(self, label: str, where: str = "messages") -> dict[str, Any]:
        """Click the last button labelled `label` in the messages, the Home tab or the modal."""
        if where == "modal":
            holders = [(self.state["modal"]["blocks"], {"type": "modal", "view_id": self.modal_id})]
        elif where == "home":
            holders = [(self.state["home"]["blocks"], {"type": "home"})]
        else:
            holders = [(m["blocks"], m["source"]) for m in self.state["messages"]]
        for blocks, source in reversed(holders):
            for block in blocks:
                elements = [*block.get("elements", []), block.get("accessory") or {}]
                for element in elements:
                    if element.get("type") == "button" and element["text"]["text"] == label:
                        return self.post(
                            "action",
                            source=source,
                            block_id=block["block_id"],
                            action_id=element["action_id"],
                        )
        raise AssertionError(f"no {label!r} button; the page shows {self.text()!r}")

    @property
    def modal_id(self) -> str:
        assert self.state["modal"], "no modal is open"
        return self.state["modal"]["id"]

    def submit(self, values: dict[str, Any]) -> dict[str, Any]:
        return self.post("submit", view_id=self.modal_id, values=values)

    def text(self) -> str:
        return "\n".join(m["text"] for m in self.state["messages"])

    def last_text(self) -> str:
        return self.state["messages"][-1]["text"]


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    running = Sandbox(f"sqlite:///{tmp_path / 'sandbox.db'}").start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[Page]:
    server = make_server(build_page_app(sandbox), "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Page(f"http://127.0.0.1:{server.effective_port}")
    finally:
        server.close()
        thread.join(timeout=5)


def test_the_demo_program_is_seeded_through_the_rules(sandbox: Sandbox) -> None:
    assert sandbox.world.seeded is not None
    assert "36 coaches, 4 learners" in sandbox.world.seeded
    people = sandbox.state(LEARNER)["people"]
    assert {p["role"] for p in people} == {"coach", "learner", "coordinator"}
    assert len({p["id"] for p in people}) == len(people) >= 40


def test_the_whole_journey_from_search_to_the_first_check_in(page: Page) -> None:
    page.load(LEARNER)
    assert page.state["conversations"][0]["label"] == "Sounding Board (app)"

    page.command("/find-coach budget")
    results = page.state["messages"][-1]
    assert results["ephemeral"]
    assert "coaches match “budget”" in results["text"]
    coach_name = next(
        b["text"]["text"].split("*")[1]
        for b in results["blocks"]
        if b["type"] == "section" and "Strongest in" in b["text"]["text"]
    )

    page.click("Ask for an intro")
    assert page.state["modal"]["title"] == "Ask for an intro"
    assert coach_name in page.state["modal"]["text"]

    page.submit({"hopes": "  "})
    assert "Please say briefly what you hope for." in page.state["modal"]["text"]
    assert "hopes" in page.state["modal"]["errors"]

    page.submit(
        {"coaching_kind": "career", "hopes": "A plan for five years.", "first_call": "video"}
    )
    assert f"on its way to {coach_name}" in page.state["modal"]["text"]
    page.post("close", view_id=page.modal_id)
    assert page.state["modal"] is None

    coach = next(p["id"] for p in page.state["people"] if p["name"] == coach_name)
    page.load(coach)
    assert "Lena Ortiz" in page.last_text()
    assert "A plan for five years." in page.last_text()
    page.click("Accept")
    assert "You accepted" in page.text()
    assert any(c["kind"] == "mpim" for c in page.state["conversations"])

    page.load(LEARNER)
    assert "accepted your request" in page.text()
    page.command("/coaching-agreement")
    assert page.state["modal"], page.state["notices"]
    page.submit(TERMS)
    assert page.state["modal"] is None, page.state["modal"]["errors"]

    page.load(coach)
    page.click("Sign")
    page.load(LEARNER)
    group = next(c for c in page.state["conversations"] if c["kind"] == "mpim")
    page.load(LEARNER, group["id"])
    assert "Statement of mutual understanding" in page.text()

    page.load(LEARNER)
    before = len(page.state["messages"])
    result = page.post("forward", step="month")["result"]
    assert result["sent"] >= 1
    page.load(LEARNER)
    arrived = "\n".join(m["text"] for m in page.state["messages"][before:])
    assert f"Time for a check-in with @{coach_name}" in arrived


def test_the_home_tab_and_mentions_show_names(page: Page) -> None:
    page.load(demo.ACTIVE_LEARNER)
    state = page.post("home")
    assert state["home"] is not None
    assert demo.active_coach().name in state["home"]["text"]


def test_an_unknown_command_is_a_notice_not_a_crash(page: Page) -> None:
    page.load(LEARNER)
    assert page.command("/nope")["notices"] == ["/nope is not a valid command. Try /coaching-help."]


def test_a_bad_request_is_a_400_with_a_reason(page: Page) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        page._send("action", {"user": "U0NOBODY", "source": {"type": "home"}})
    assert refused.value.code == 400


def test_reset_and_restart_keep_or_drop_the_conversations(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    first = Sandbox(url).start()
    channel = first.state(LEARNER)["channel"]
    first.command(LEARNER, channel, "/coaching-help")
    first.forward("week")
    clock = first.world.clock()
    first.stop()

    again = Sandbox(url).start()
    try:
        assert again.world.seeded is None
        assert again.world.clock() >= clock
        assert "/find-coach" in "\n".join(m["text"] for m in again.state(LEARNER)["messages"])
        assert again.reset()
        assert again.state(LEARNER)["messages"] == []
    finally:
        again.stop()


def test_mrkdwn_is_drawn_minimally_and_everything_else_is_escaped() -> None:
    names = {"U1": "Carl Mendez"}
    drawn = render.mrkdwn(
        "*Bold* _it_ `x<y` <@U1> <https://example.gov|site> <script>&lt;b&gt; a*b*c", names
    )
    assert "<b>Bold</b>" in drawn and "<i>it</i>" in drawn and "<code>x&lt;y</code>" in drawn
    assert '<span class="sb-mention">@Carl Mendez</span>' in drawn
    assert '<a href="https://example.gov"' in drawn and ">site</a>" in drawn
    assert "<script>" not in drawn and "&lt;b&gt;" in drawn and "a*b*c" in drawn
    assert "href" not in render.mrkdwn("<javascript:alert(1)|x>", names)


MARKER = "\x0099\x00"  # what sandbox/render.py once used to stand for a mention or link


def test_text_with_the_renderers_marker_cannot_jam_a_page(page: Page) -> None:
    coach = demo.active_coach()
    page.load(LEARNER)
    page.command(f"see {MARKER} and @{coach.name} {MARKER}\x000\x00 <https://example.gov|site>")

    said = page.load(LEARNER)["messages"][-1]
    assert said["text"].strip() == f"see 99 and @{coach.name} 990 site"
    assert "\x00" not in said["html"]


def test_a_learner_named_with_the_marker_leaves_the_coachs_page_working(page: Page) -> None:
    page.load(LEARNER)
    page.command("/coaching-profile learner")
    assert page.state["modal"]["title"] == "Learner profile"
    page.submit(
        {
            "name": f"Lena {MARKER} Ortiz",
            "email": "lena.ortiz@example.gov",
            "organization": "Polk County",
            "title": "Senior Management Analyst",
            "why_coaching": "I want to move into a deputy director role.",
            "coaching_kinds": ["career"],
            "frequency": "quarterly",
        }
    )
    assert page.state["modal"] is None, page.state["modal"]["errors"]
    page.command("/find-coach budget")
    page.click("Ask for an intro")
    page.submit({"coaching_kind": "career", "hopes": f"A plan {MARKER}.", "first_call": "video"})
    sent = page.state["modal"]["text"]
    coach = next(p["id"] for p in page.state["people"] if f"on its way to {p['name']}" in sent)

    page.load(coach)
    assert "Lena 99 Ortiz" in page.last_text() and "A plan 99." in page.last_text()


FRAGMENTS = ("<@U1>", "<https://example.gov|site>", "\x00", "0", "99", "*", "_", "`", "\n", "&")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text())).map("".join))
def test_any_text_is_drawn_whole_with_its_mentions(text: str) -> None:
    names = {"U1": "Carl Mendez"}
    drawn = render.mrkdwn(text, names)
    assert "\x00" not in drawn
    assert drawn.count('class="sb-mention"') >= render.printable(text).count("<@U1>")
    without_markup = re.sub(r"[<>&*_~`]", "", text)
    shown = render.visible_text(render.mrkdwn(without_markup, names))
    assert shown == re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", without_markup)
