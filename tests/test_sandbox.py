"""The sandbox (`python -m sandbox`) driven through its HTTP API, as its page does:
the real bot, a local stand-in for Slack, and a clock that can be moved forward."""

from __future__ import annotations

import html
import http.client
import importlib
import json
import pkgutil
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block, BlockElement
from sqlalchemy import select

import handlers.views
from bot.server import EVENTS_PATH
from coaching.cadence import add_months, in_working_hours
from sandbox import demo, render
from sandbox.cli import page_hosts
from sandbox.serving import Serving
from sandbox.web import build_page_app, content_disposition
from sandbox.world import Sandbox, SandboxError
from storage.models import Nudge, Person

from fakeslack import requests as slack_requests

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


class Refused(Exception):
    def __init__(self, status: int, answer: bytes) -> None:
        super().__init__(f"{status}: {answer.decode(errors='replace')}")
        self.status = status
        self.answer = answer


class Page:
    """Talks to the sandbox's API exactly as sandbox/static/sandbox.js does, with the token
    the page carries."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.user = LEARNER
        self.channel: str | None = None
        self.state: dict[str, Any] = {}
        status, html_page = self.raw("GET", "/sandbox/", {})
        found = re.search(r'<meta name="sandbox-token" content="([^"]+)">', html_page.decode())
        assert status == 200 and found, "the page carries no token"
        self.token = found.group(1)

    def raw(
        self, method: str, path: str, headers: dict[str, str | None], body: bytes | None = None
    ) -> tuple[int, bytes]:
        """One request with exactly these headers (`Host` is the page's unless given; a
        header given as None is left out)."""
        address = urlsplit(self.base)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
        try:
            connection.putrequest(method, path, skip_host="Host" in headers)
            for name, value in headers.items():
                if value is not None:
                    connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            reply = connection.getresponse()
            return reply.status, reply.read()
        finally:
            connection.close()

    def headers(self, method: str = "POST") -> dict[str, str | None]:
        """What the browser sends with the page's fetch()."""
        sent: dict[str, str | None] = {
            "X-Sandbox-Token": self.token,
            "Sec-Fetch-Site": "same-origin",
        }
        if method == "POST":
            sent |= {"Content-Type": "application/json", "Origin": self.base}
        return sent

    def _send(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        method = "GET" if body is None else "POST"
        data = None if body is None else json.dumps(body).encode()
        status, answer = self.raw(method, "/sandbox/api/" + path, self.headers(method), data)
        if status != 200:
            raise Refused(status, answer)
        self.state = json.loads(answer)
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


@contextmanager
def serve(web: Flask) -> Iterator[str]:
    """The page served on a free port, for as long as the block runs; yields its address."""
    serving = Serving(web, "127.0.0.1", 0, "sandbox-page")
    try:
        yield serving.url
    finally:
        serving.stop()


@pytest.fixture
def page(sandbox: Sandbox) -> Iterator[Page]:
    with serve(build_page_app(sandbox)) as address:
        yield Page(address)


def texts(sandbox: Sandbox, user: str, channel: str | None = None) -> str:
    return "\n".join(m["text"] for m in sandbox.state(user, channel)["messages"])


def test_the_demo_program_is_seeded_through_the_rules(sandbox: Sandbox) -> None:
    assert sandbox.world.seeded is not None
    assert "36 coaches, 4 learners" in sandbox.world.seeded
    people = sandbox.state(LEARNER)["people"]
    assert {p["role"] for p in people} == {"coach", "learner", "newcomer", "coordinator"}
    assert len({p["id"] for p in people}) == len(people) >= 40


def test_the_seeded_pair_has_what_slack_would_show_them(sandbox: Sandbox) -> None:
    """The seed goes through the flows' outbox: the pair's group DM holds the intro and
    the signed agreement, the coach's request DM says it was accepted, and the program
    channel has its copy."""
    coach = demo.active_coach()
    welcome = sandbox.state(demo.ACTIVE_LEARNER)["welcome"]
    assert welcome["group"] is not None
    group = texts(sandbox, demo.ACTIVE_LEARNER, welcome["group"])
    assert f"meet @{coach.name}" in group
    assert "Statement of mutual understanding" in group and "executed" in group
    request = sandbox.state(coach.user_id)["messages"][0]
    assert "asked you to be their coach" in request["text"]
    assert not any(b["type"] == "actions" for b in request["blocks"]), "Accept is still live"
    program = next(
        c["id"]
        for c in sandbox.state(demo.COORDINATOR.user_id)["conversations"]
        if c["label"] == "#program"
    )
    assert "signed version 1 of their agreement" in texts(
        sandbox, demo.COORDINATOR.user_id, program
    )


def test_the_newcomer_is_in_the_workspace_but_not_the_program(page: Page) -> None:
    page.load(demo.NEWCOMER.user_id)
    home = page.post("home")["home"]
    assert "You haven't registered yet" in home["text"]
    page.click("Register", where="home")
    assert page.state["modal"] is not None, page.state["notices"]


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
    with pytest.raises(Refused) as refused:
        page._send("action", {"user": "U0NOBODY", "source": {"type": "home"}})
    assert refused.value.status == 400
    assert "no such person" in json.loads(refused.value.answer)["error"]


def what_stays(page: Page) -> tuple[Any, ...]:
    """What a refused request must leave as it was: the sandbox's day and the conversation."""
    state = page.load(LEARNER)
    return state["clock_label"], [m["text"] for m in state["messages"]]


def refusals(page: Page) -> dict[str, dict[str, str | None]]:
    """Requests that did not come from the sandbox page, each differing from the page's own
    in one way (None: the header is left out)."""
    other_site = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}
    return {
        "a form posted from another site": {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Sandbox-Token": None,
            **other_site,
        },
        "a form posted with the token": {"Content-Type": "application/x-www-form-urlencoded"},
        "a text body": {"Content-Type": "text/plain"},
        "no content type": {"Content-Type": None},
        "no token": {"X-Sandbox-Token": None},
        "a wrong token": {"X-Sandbox-Token": "x" * len(page.token)},
        "a token of another length": {"X-Sandbox-Token": page.token[:-1]},
        "a token that is not ASCII": {"X-Sandbox-Token": "é" * len(page.token)},
        "another site's page, with the token": other_site,
        "another origin": {"Origin": "http://evil.example"},
        "another port on this machine": {"Origin": "http://127.0.0.1:1"},
        "an opaque origin": {"Origin": "null"},
        "a fetch from another site": {"Sec-Fetch-Site": "cross-site"},
        "a fetch from the same site, another origin": {"Sec-Fetch-Site": "same-site"},
    }


def sent(page: Page, changes: dict[str, str | None], method: str = "POST") -> dict[str, str | None]:
    return {**page.headers(method), **changes}


def test_requests_not_from_the_page_are_refused_and_change_nothing(page: Page) -> None:
    page.load(LEARNER)
    page.command("/coaching-help")
    before = what_stays(page)
    for case, changes in refusals(page).items():
        for path, body in (("forward", b'{"step": "month"}'), ("reset", b"{}")):
            headers = sent(page, changes)
            if (headers["Content-Type"] or "").endswith("urlencoded"):
                body = b"step=month"
            status, answer = page.raw("POST", "/sandbox/api/" + path, headers, body)
            assert status == 403, f"{case}: {path} answered {status}"
            assert "reload the page" in json.loads(answer)["error"], case
    assert what_stays(page) == before
    assert "/find-coach" in page.text()


def test_what_a_person_sees_is_only_given_to_the_page(page: Page) -> None:
    path = f"/sandbox/api/state?user={demo.ACTIVE_LEARNER}"
    for case, changes in refusals(page).items():
        if "Content-Type" in changes:
            continue
        status, answer = page.raw("GET", path, sent(page, changes, "GET"))
        assert status == 403, f"{case}: answered {status}"
        assert b"Priya" not in answer
    status, answer = page.raw("GET", path, page.headers("GET"))
    assert status == 200 and json.loads(answer)["user"] == demo.ACTIVE_LEARNER


def test_the_page_carries_a_token_made_at_start(sandbox: Sandbox, page: Page) -> None:
    status, html_page = page.raw("GET", "/sandbox/", {})
    assert status == 200 and page.token.encode() in html_page and len(page.token) >= 40
    assert Page(page.base).token == page.token
    with serve(build_page_app(sandbox)) as again:
        assert Page(again).token != page.token
    status, _ = page.raw("GET", "/sandbox/static/index.html", {})
    assert status == 404


def test_the_page_cannot_be_framed_or_kept(page: Page) -> None:
    with urllib.request.urlopen(page.base + "/sandbox/", timeout=60) as reply:
        headers = reply.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"


FOREIGN_HOSTS = (
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example:{port}",
    "localhost.evil.example:{port}",
    "sub.localhost:{port}",
    "localhost:{port}@evil.example",
    "[::2]:{port}",
    "10.0.0.1:{port}",
    "",
    None,
)


def test_only_local_host_names_are_served(page: Page) -> None:
    port = str(urlsplit(page.base).port)
    before = what_stays(page)
    for template in FOREIGN_HOSTS:
        host = None if template is None else template.format(port=port)
        for method, path in (
            ("GET", "/"),
            ("GET", "/sandbox/"),
            ("GET", "/sandbox/static/sandbox.js"),
            ("GET", f"/sandbox/api/state?user={LEARNER}"),
            ("POST", "/sandbox/api/reset"),
        ):
            headers = page.headers(method) | {"Host": host}
            if host is not None:
                headers["Origin"] = f"http://{host}"
            status, answer = page.raw(method, path, headers, b"{}" if method == "POST" else None)
            assert status == 400, f"Host {host!r}: {method} {path} answered {status}"
            assert page.token.encode() not in answer
    assert what_stays(page) == before

    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "LocalHost", "[::1]"):
        status, answer = page.raw("GET", "/sandbox/", {"Host": host})
        assert status == 200 and page.token.encode() in answer, host
        headers = page.headers() | {"Host": host, "Origin": f"http://{host.lower()}"}
        status, _ = page.raw("POST", "/sandbox/api/home", headers, b'{"user": "U0LENA"}')
        assert status == 200, host


def test_hosts_named_at_start_are_served_too(sandbox: Sandbox) -> None:
    with serve(build_page_app(sandbox, ["Sandbox.Example", "fd00::5"])) as address:
        page = Page(address)
        port = urlsplit(address).port
        for host, served in (
            ("sandbox.example", 200),
            (f"sandbox.example:{port}", 200),
            ("[fd00::5]:80", 200),
            ("other.example", 400),
            ("[fd00::6]", 400),
        ):
            status, _ = page.raw("GET", "/sandbox/", {"Host": host})
            assert status == served, host


def test_listening_everywhere_still_serves_only_the_names_given() -> None:
    assert page_hosts("0.0.0.0", []) == []
    assert page_hosts("0.0.0.0", ["box.example", "192.168.1.5"]) == ["box.example", "192.168.1.5"]
    assert page_hosts("192.168.1.5", ["box.example"]) == ["192.168.1.5", "box.example"]


def test_the_sandboxs_bot_and_slack_stand_in_take_no_secret_from_the_code(
    sandbox: Sandbox,
) -> None:
    """Their ports are on this machine too: a request signed with a secret anyone can read
    in the code, or a call with such a token, must reach nothing."""
    world = sandbox.world
    channel = world.slack.dm_channel(LEARNER)
    fields = slack_requests.command(
        command="/my-coaching",
        user=LEARNER,
        team=demo.TEAM,
        text="",
        channel=channel,
        trigger_id=world.slack.issue_trigger_id(),
        response_url=world.slack.response_url(channel=channel, user=LEARNER),
    )
    for secret in ("sandbox-signing-secret-not-for-slack", "a guess"):
        forged = slack_requests.Sender(world.bot_url + EVENTS_PATH, secret, world.executor)
        assert forged.form(fields).status == 401
    assert world.sender.form(fields).status == 200
    with pytest.raises(SlackApiError) as refused:
        WebClient("xoxb-sandbox-token", base_url=world.slack.url).auth_test()
    assert refused.value.response["error"] == "invalid_auth"


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


def test_a_name_with_the_marker_is_refused_kept_and_then_reaches_the_coach_whole(
    page: Page,
) -> None:
    """The forms refuse control characters (coaching/text.py), so the marker no longer
    reaches a coach's page through a profile: the modal says why and keeps what was
    typed, drawn without the characters that draw nothing. Submitted again as the page
    shows it, the name and the request reach the coach's page whole."""
    page.load(LEARNER)
    page.command("/coaching-profile learner")
    assert page.state["modal"]["title"] == "Learner profile"
    typed = {
        "name": f"Lena {MARKER} Ortiz",
        "email": "lena.ortiz@example.gov",
        "organization": "Polk County",
        "title": "Senior Management Analyst",
        "why_coaching": "I want to move into a deputy director role.",
        "coaching_kinds": ["career"],
        "frequency": "quarterly",
    }
    page.submit(typed)
    modal = page.state["modal"]
    assert modal is not None and "name" in modal["errors"]
    assert "\x00" not in modal["html"]
    assert modal["values"]["name"] == "Lena 99 Ortiz"
    assert modal["values"]["why_coaching"] == typed["why_coaching"]

    page.submit(modal["values"])
    assert page.state["modal"] is None, page.state["modal"]["errors"]
    page.command("/find-coach budget")
    page.click("Ask for an intro")
    page.submit({"coaching_kind": "career", "hopes": "A plan 99.", "first_call": "video"})
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


def test_a_month_fast_forwarded_delivers_each_reminder_when_it_falls_due(
    sandbox: Sandbox,
) -> None:
    """What is due on the 1st arrives on the 1st, in its recipient's working hours, not
    on the day the jump lands; and the page's summary says what was sent."""
    start = sandbox.world.clock()
    result = sandbox.forward("month")
    landed = datetime.fromisoformat(result["clock"])
    assert landed.date() >= add_months(start.date(), 1) and result["passes"] > 2
    with sandbox.world.bot.runtime.sessions() as session:
        sent = session.execute(
            select(Nudge.kind, Nudge.deliver_at, Nudge.sent_at, Person.time_zone)
            .join(Person, Person.id == Nudge.recipient_id)
            .where(Nudge.status == "sent", Nudge.created_at > start + timedelta(minutes=1))
        ).all()
    assert {row.kind for row in sent} >= {"prepare", "check_in"}
    assert result["sent"] == len(sent)
    for kind, deliver_at, sent_at, tz in sent:
        assert sent_at - deliver_at < timedelta(minutes=5), f"{kind} waited for the landing"
        assert in_working_hours(sent_at, tz), f"{kind} sent at {sent_at} in {tz}"
    assert any(row.sent_at.date() < landed.date() for row in sent), "all waited for the end"

    messages = sandbox.state(demo.ACTIVE_LEARNER)["messages"]
    check_in = next(m for m in messages if "Time for a check-in" in m["text"])
    due = next(row.sent_at for row in sent if row.kind == "check_in")
    assert abs(float(check_in["ts"]) - due.timestamp()) < 300, "the message shows its day"


def test_the_fast_forward_summary_counts_failed_deliveries(sandbox: Sandbox) -> None:
    sandbox.world.slack.fail_next("chat.postMessage", "channel_not_found", times=100)
    result = sandbox.forward("month")
    assert result["sent"] == 0 and result["failed"] >= 2
    assert len(result["failures"]) == result["failed"]
    assert all("channel_not_found" in failure for failure in result["failures"])


def test_a_week_of_nothing_due_runs_few_passes_and_is_fast(sandbox: Sandbox) -> None:
    sandbox.forward("month")
    result = sandbox.forward("day")
    assert result["failed"] == 0 and result["passes"] <= 10


def test_slack_date_tokens_are_drawn_for_the_page_to_format() -> None:
    drawn = render.mrkdwn("Due <!date^1798894800^{date_short_pretty} at {time}|Jan 2, 2027>.", {})
    assert '<time class="sb-date" data-ts="1798894800"' in drawn
    assert 'data-format="{date_short_pretty} at {time}"' in drawn
    assert render.visible_text(drawn) == "Due Jan 2, 2027."
    linked = render.mrkdwn("<!date^1798894800^{date}^https://example.gov/x|Jan 2>", {})
    assert '<a href="https://example.gov/x"' in linked and "sb-date" in linked
    assert "href" not in render.mrkdwn("<!date^1798894800^{date}^javascript:alert(1)|x>", {})
    assert "@today" not in render.visible_text(drawn)
    assert render.visible_text(render.mrkdwn("<!here> look", {})).strip() == "@here look"


def test_quotes_and_code_blocks_are_drawn_as_slack_draws_them() -> None:
    drawn = render.mrkdwn("asked:\n> first line\n&gt; second *bold*\nafter", {})
    assert drawn == (
        'asked:<blockquote class="sb-quote">first line<br>second <b>bold</b></blockquote>after'
    )
    rest = render.mrkdwn("intro\n>>> all\nof this", {})
    assert rest.endswith('<blockquote class="sb-quote">all<br>of this</blockquote>')
    code = render.mrkdwn("```\n*not bold* <@U1>\n```", {"U1": "Carl"})
    assert "<pre" in code and "<b>" not in code
    assert render.mrkdwn("a > b", {}) == "a &gt; b"


def view_element_types() -> set[str]:
    """Every Block Kit block and element type the bot's view builders use."""
    found: set[str] = set()
    for module in pkgutil.iter_modules(handlers.views.__path__):
        loaded = importlib.import_module(f"handlers.views.{module.name}")
        for value in vars(loaded).values():
            if (
                isinstance(value, type)
                and issubclass(value, BlockElement | Block)
                and isinstance(getattr(value, "type", None), str)
            ):
                found.add(value.type)
    return found


def sample(kind: str) -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": "One"}, "value": "one"}
    confirm = {
        "title": {"type": "plain_text", "text": "Sure?"},
        "text": {"type": "plain_text", "text": "Really."},
        "confirm": {"type": "plain_text", "text": "Go"},
        "deny": {"type": "plain_text", "text": "Stop"},
    }
    element: dict[str, Any] = {"type": kind, "action_id": f"do_{kind}", "confirm": confirm}
    if kind == "button":
        element["text"] = {"type": "plain_text", "text": "Press"}
    if kind in {"static_select", "multi_static_select", "radio_buttons", "checkboxes", "overflow"}:
        element["options"] = [option]
    return element


def test_every_element_the_bots_views_use_is_drawn_and_can_be_used(sandbox: Sandbox) -> None:
    """Whatever the view builders import from slack_sdk is drawn (never "unsupported"),
    in an actions block, as an accessory and in an input; a confirm dialog is drawn with
    its words; and the sandbox can send Slack's action for a choice on it."""
    kinds = view_element_types()
    assert {"button", "static_select", "multi_users_select", "datepicker", "checkboxes"} <= kinds
    blocks_only = {"actions", "context", "divider", "header", "input", "section", "image"}
    names = {"U0LENA": "Lena Ortiz", "C0PROGRAM": "#program"}
    for kind in sorted(kinds - blocks_only):
        element = sample(kind)
        if kind.endswith("_input"):
            drawn = render.block({"type": "input", "block_id": "b", "element": element}, names)
            assert "sb-unsupported" not in drawn, kind
            continue
        for holder in (
            {"type": "actions", "block_id": "b", "elements": [element]},
            {"type": "section", "block_id": "b", "text": "t", "accessory": element},
        ):
            drawn = render.block(holder, names)
            assert "sb-unsupported" not in drawn and "Really." in html.unescape(drawn), kind
        choice = {
            "button": None,
            "users_select": "U0LENA",
            "multi_users_select": ["U0LENA"],
            "conversations_select": "C0PROGRAM",
            "datepicker": "2027-01-04",
            "checkboxes": ["one"],
            "multi_static_select": ["one"],
        }.get(kind, "one")
        action = sandbox._action_for(element, "b", choice)
        assert action["action_id"] == f"do_{kind}" and action["type"] == kind
        if kind not in {"button", "overflow"}:
            drawn = render.block({"type": "input", "block_id": "b", "element": element}, names)
            assert "sb-unsupported" not in drawn, kind


def test_remove_their_data_works_from_the_coordinators_ephemeral_message(page: Page) -> None:
    page.load(demo.COORDINATOR.user_id)
    page.command(f"/coaching-admin remove @{demo.LEARNERS[0].name}")
    page.click("Remove their data")
    assert page.state["notices"] == []
    assert f"Removed @{demo.LEARNERS[0].name}" in page.text()


def test_a_modal_pushed_over_a_modal_goes_back_to_it(page: Page) -> None:
    """View profile opens a modal; Ask for an intro in it pushes the form over it; the
    submission's `update` shows the confirmation there; closing it goes back to the
    profile, and closing that leaves no modal."""
    page.load(LEARNER)
    page.command("/find-coach budget")
    page.click("View profile")
    profile = page.modal_id
    assert page.state["modal"]["depth"] == 1
    page.click("Ask for an intro", where="modal")
    assert page.modal_id != profile and page.state["modal"]["depth"] == 2
    assert page.state["modal"]["title"] == "Ask for an intro"
    page.submit({"coaching_kind": "career", "hopes": "A plan.", "first_call": "video"})
    assert "on its way to" in page.state["modal"]["text"]
    page.post("close", view_id=page.modal_id)
    assert page.modal_id == profile and page.state["modal"]["depth"] == 1
    page.post("close", view_id=page.modal_id)
    assert page.state["modal"] is None


def test_a_shared_files_name_cannot_break_its_download_header() -> None:
    header = content_disposition('a"b\r\nSet-Cookie: x=1;é.csv')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="a_b__Set-Cookie_ x_1__.csv"')
    assert "filename*=UTF-8''a%22b%0D%0ASet-Cookie%3A%20x%3D1%3B%C3%A9.csv" in header


def test_only_a_member_of_its_conversation_may_download_a_file(sandbox: Sandbox) -> None:
    coordinator = demo.COORDINATOR.user_id
    sandbox.command(coordinator, sandbox.state(coordinator)["channel"], "/coaching-admin export")
    shared = sandbox.world.slack.files[0]
    name, content = sandbox.file(coordinator, shared["id"])
    assert name == shared["name"] and content == shared["content"]
    with pytest.raises(SandboxError):
        sandbox.file(LEARNER, shared["id"])
