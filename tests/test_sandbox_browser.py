"""The sandbox page in headless Chromium (Playwright driving Debian's chromium): the same
journey a visitor takes, through the page's own buttons, forms and modals."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sandbox.serving import Serving
from sandbox.web import build_page_app
from sandbox.world import Sandbox

CHROMIUM = os.environ.get("SB_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _unavailable() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install playwright)"
    return None


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("SB_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser tests are required here: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    sandbox = Sandbox(f"sqlite:///{tmp_path / 'sandbox.db'}").start()
    serving = Serving(build_page_app(sandbox), "127.0.0.1", 0, "sandbox-page")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(20_000)
                page.on("dialog", lambda dialog: dialog.accept())
                yield page, serving.url + "/"
            finally:
                browser.close()
    finally:
        serving.stop()
        sandbox.stop()


def act_as(page: Any, name: str) -> None:
    page.select_option("#person", label=name)
    page.wait_for_function(
        "name => document.querySelector('#person').selectedOptions[0].text === name", arg=name
    )


def open_as(page: Any, url: str, name: str) -> None:
    page.goto(url)
    page.wait_for_selector("#person option", state="attached")
    act_as(page, name)


def command(page: Any, text: str) -> None:
    page.fill("#composer-text", text)
    page.click("#send")


def test_the_journey_in_a_browser(browser_page: tuple[Any, str]) -> None:
    page, url = browser_page
    open_as(page, url, "Lena Ortiz")

    command(page, "/find-coach budget")
    page.get_by_text("Only visible to you").last.wait_for()
    results = page.locator(".sb-message").last
    first_result = results.locator(".sb-section b").first.inner_text()
    results.get_by_role("button", name="Ask for an intro").first.click()

    modal = page.locator("#modal")
    modal.wait_for()
    assert "Ask for an intro" in page.locator("#modal-title").inner_text()
    page.click("#modal-submit")
    page.locator(".sb-error").first.wait_for()
    assert "Please say briefly what you hope for." in modal.inner_text()

    page.locator('[data-block="coaching_kind"] input[value="career"]').check()
    page.fill('[data-block="hopes"] textarea, [data-block="hopes"] input', "A five-year plan.")
    page.select_option('[data-block="first_call"] select', "video")
    page.click("#modal-submit")
    page.locator("#modal-backdrop").get_by_text("on its way to").wait_for()
    page.click("#modal-close")
    page.locator("#modal-backdrop").wait_for(state="hidden")

    act_as(page, first_result)
    page.get_by_role("button", name="Accept").last.click()
    page.get_by_text("You accepted").wait_for()

    act_as(page, "Lena Ortiz")
    command(page, "/coaching-agreement")
    modal.wait_for()
    page.fill('[data-block="confidentiality"] textarea, [data-block="confidentiality"] input',
              "Between us.")  # fmt: skip
    page.fill('[data-block="start_date"] input', date.today().isoformat())
    page.fill('[data-block="duration_months"] input', "6")
    page.select_option('[data-block="frequency"] select', "monthly")
    for box in ("no_fault", "owns_choices"):
        page.locator(f'[data-block="acknowledgements"] input[value="{box}"]').check()
    page.click("#modal-submit")
    page.locator("#modal-backdrop").wait_for(state="hidden")

    act_as(page, first_result)
    page.get_by_role("button", name="Sign").last.click()
    page.wait_for_load_state("networkidle")

    act_as(page, "Lena Ortiz")
    page.click("#forward-month")
    page.get_by_text("Reminders:").wait_for()
    page.locator("#messages").get_by_text("Time for a check-in with").wait_for()
    assert f"Time for a check-in with @{first_result}" in page.locator("#messages").inner_text()

    page.click("#tab-home")
    page.locator("#home .sb-section").first.wait_for()
    assert first_result in page.locator("#home").inner_text()


@contextmanager
def another_site(sandbox_url: str) -> Iterator[str]:
    """A page on another site that tries to drive the sandbox: a fetch that resets it and
    a form that moves its clock a month (the kinds of request any web page can send)."""
    page = f"""<!doctype html><title>elsewhere</title>
<form id="f" method="post" enctype="text/plain" action="{sandbox_url}sandbox/api/forward">
<input name='{{"step": "month", "x": "' value='"}}'></form>
<script>
fetch("{sandbox_url}sandbox/api/reset", {{method: "POST", mode: "no-cors",
  headers: {{"Content-Type": "text/plain"}}, body: "{{}}"}})
  .finally(() => document.getElementById("f").submit());
</script>""".encode()

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_another_site_cannot_drive_the_sandbox(browser_page: tuple[Any, str]) -> None:
    page, url = browser_page
    open_as(page, url, "Lena Ortiz")
    command(page, "/coaching-help")
    page.locator("#messages").get_by_text("/find-coach").first.wait_for()
    day = page.locator("#clock").inner_text()

    with another_site(url) as elsewhere:
        with (
            page.expect_response(lambda r: r.url.endswith("/sandbox/api/reset")) as reset,
            page.expect_response(lambda r: r.url.endswith("/sandbox/api/forward")) as forward,
        ):
            page.goto(elsewhere)
        assert reset.value.status == 403 and forward.value.status == 403

    open_as(page, url, "Lena Ortiz")
    page.locator("#messages").get_by_text("/find-coach").first.wait_for()
    assert page.locator("#clock").inner_text() == day
