"""How long a click takes on the sandbox page, as a visitor feels it.

Starts the sandbox (the bot, the Slack stand-in, the page) on a fresh SQLite file and
drives the page in headless Chromium: a learner looks coaches up a number of times (so
the conversation has a history, as it does ten minutes into a demo), then clicks "Ask
for an intro", submits the form empty (field errors), fills it in and submits, closes
the modal, and opens the Home tab, several times over. Each click is timed in the page,
from the click to the moment the page has drawn the answer.

Reports the median and slowest click, for a short and a long history, and where the
time of a click goes on the server: the bot (its acknowledgement, then the listeners
it started) and the sandbox around it (finding the element, drawing the person's
state). Then one fast-forward by a month, as its own figure.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sandbox.serving import Serving
from sandbox.web import build_page_app
from sandbox.world import Sandbox

from fakeslack import requests as slack_requests

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
TARGET_MS = 200
# Clicks the element, then waits until the page has drawn the answer (its
# "sandbox:drawn" event).
CLICK = """async (element) => {
  const drawn = new Promise((resolve) => {
    document.addEventListener("sandbox:drawn", resolve, { once: true });
    setTimeout(resolve, 10000);
  });
  const started = performance.now();
  element.click();
  await drawn;
  return performance.now() - started;
}"""


class ServerTimes:
    """Where a click's time goes in this process: the bot's answer over HTTP, then the
    listeners it started (`drain`), and the sandbox's own work around them."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def watching(self, sandbox: Sandbox) -> Iterator[None]:
        originals: list[tuple[Any, str, Any]] = []

        def wrap(owner: Any, name: str, label: str) -> None:
            original = getattr(owner, name)

            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.times[label].append(time.perf_counter() - started)

            originals.append((owner, name, original))
            setattr(owner, name, timed)

        wrap(slack_requests.Sender, "post", "bot: answer and listeners")
        wrap(slack_requests.TrackingExecutor, "drain", "bot: listeners after the answer")
        wrap(Sandbox, "action", "sandbox: a click, bot included")
        wrap(Sandbox, "submit", "sandbox: a submission, bot included")
        wrap(Sandbox, "state", "sandbox: what the person sees")
        try:
            yield
        finally:
            for owner, name, original in reversed(originals):
                setattr(owner, name, original)

    def report(self) -> list[str]:
        return [
            f"  {label:<40} median {statistics.median(values) * 1000:6.1f} ms"
            for label, values in self.times.items()
            if values
        ]


def _ms(values: list[float]) -> str:
    return f"median {statistics.median(values):6.1f} ms, slowest {max(values):6.1f} ms"


def _journey(page: Any, click: Callable[[str, Any], None], rounds: int) -> None:
    for _ in range(rounds):
        page.fill("#composer-text", "/find-coach budget")
        click("search", "#send")
        ask = page.locator(".sb-message").last.get_by_role("button", name="Ask for an intro")
        click("open a modal", ask.first)
        page.locator("#modal").wait_for()
        click("submit with errors", "#modal-submit")
        page.locator(".sb-error").first.wait_for()
        click("close the modal", "#modal-close")
        page.locator("#modal-backdrop").wait_for(state="hidden")
        click("open the Home tab", "#tab-home")
        page.locator("#home .sb-section").first.wait_for()
        click("back to the DM", "#conversations button")
        page.locator("#messages").wait_for()


def run(history: int = 40, rounds: int = 6) -> int:
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="sb-page-bench-"))
    sandbox = Sandbox(f"sqlite:///{folder / 'sandbox.db'}").start()
    serving = Serving(build_page_app(sandbox), "127.0.0.1", 0, "sandbox-page")
    server = ServerTimes()
    results: dict[str, dict[str, list[float]]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.goto(serving.url + "/")
            page.wait_for_selector("#person option", state="attached")
            page.select_option("#person", label="Lena Ortiz")
            page.wait_for_function("document.querySelector('#person').value === 'U0LENA'")

            def measure(label: str) -> Callable[[str, Any], None]:
                found = results.setdefault(label, defaultdict(list))

                def click(kind: str, target: Any) -> None:
                    if isinstance(target, str):
                        target = page.locator(target).first
                    found[kind].append(page.evaluate(CLICK, target.element_handle()))

                return click

            with server.watching(sandbox):
                _journey(page, measure("a short history"), rounds)
            for _ in range(history):
                page.fill("#composer-text", "/find-coach budget")
                page.click("#send")
            page.wait_for_function(f"document.querySelectorAll('.sb-message').length >= {history}")
            server.times.clear()
            with server.watching(sandbox):
                _journey(page, measure(f"after {history} searches"), rounds)
            started = time.perf_counter()
            page.evaluate("document.querySelector('#forward-month').click()")
            page.get_by_text("Reminders:").wait_for()
            forward = time.perf_counter() - started
            browser.close()
    finally:
        serving.stop()
        sandbox.stop()
    print(
        f"Sandbox page clicks in headless Chromium ({rounds} rounds; "
        f"target: median < {TARGET_MS} ms)"
    )
    medians = {}
    for label, kinds in results.items():
        every = [value for values in kinds.values() for value in values]
        medians[label] = statistics.median(every)
        print(f"{label}: every click {_ms(every)}")
        for kind, values in kinds.items():
            print(f"  {kind:<22} {_ms(values)}")
    short, long = medians.values()
    print(f"long history / short history: {long / short:.2f}x")
    print(f"where the time of a click goes, after {history} searches (server side):")
    print("\n".join(server.report()))
    print(f"fast-forward by a month, clicked to drawn: {forward * 1000:.0f} ms")
    verdict = "under" if max(medians.values()) < TARGET_MS else "OVER"
    print(f"every median is {verdict} the {TARGET_MS} ms target")
    return 0
