"""The sandbox page in headless Chromium (Playwright driving Debian's chromium): the same
journey a visitor takes, through the page's own buttons, forms and modals.

Screenshots of the welcome screen, a modal with field errors and a shared file are kept
in test-artifacts/ (git ignores it) for a person to look at."""

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
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
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


@contextmanager
def browsing(tmp_path: Path, **context: Any) -> Iterator[tuple[Any, str, Sandbox]]:
    """A fresh sandbox, its page, and a Chromium page (`context`: locale and the like)."""
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
                page = browser.new_context(
                    viewport={"width": 1200, "height": 800}, accept_downloads=True, **context
                ).new_page()
                page.set_default_timeout(20_000)
                page.on("dialog", lambda dialog: dialog.accept())
                yield page, serving.url + "/", sandbox
            finally:
                browser.close()
    finally:
        serving.stop()
        sandbox.stop()


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    with browsing(tmp_path, locale="en-US") as (page, url, _sandbox):
        yield page, url


def keep_screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 0
    return path


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
        tab = page.context.new_page()
        with (
            tab.expect_response(lambda r: r.url.endswith("/sandbox/api/reset")) as reset,
            tab.expect_response(lambda r: r.url.endswith("/sandbox/api/forward")) as forward,
        ):
            tab.goto(elsewhere)
        assert reset.value.status == 403 and forward.value.status == 403
        tab.close()

    open_as(page, url, "Lena Ortiz")
    page.locator("#messages").get_by_text("/find-coach").first.wait_for()
    assert page.locator("#clock").inner_text() == day


def drawn(page: Any) -> None:
    """Wait until the page has drawn the answer to what was just done."""
    page.wait_for_function("!document.body.classList.contains('sb-busy')")


def test_the_page_opens_on_a_welcome_with_a_script_and_the_seeded_pair(
    browser_page: tuple[Any, str],
) -> None:
    page, url = browser_page
    page.goto(url)
    welcome = page.locator("#welcome")
    welcome.get_by_text("Sam Okafor").wait_for()
    assert page.locator("#messages").is_hidden() and page.locator("#composer").is_hidden()
    for step in ("Be a learner", "Find a coach", "Switch to the coach", "Accept", "Fast-forward"):
        assert step in welcome.inner_text()
    keep_screenshot(page, "welcome.png")

    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert (
        page.request.get(url.rstrip("/") + icon).headers["content-type"].startswith("image/svg+xml")
    )

    page.get_by_role("link", name="Priya Shah and Darnell Bellweather's group DM").click()
    page.locator("#messages").get_by_text("Statement of mutual understanding").wait_for()
    assert page.locator("#person").input_value() == "U0PRIYA"
    assert "meet @Darnell Bellweather" in page.locator("#messages").inner_text()

    page.click("#tab-welcome")
    page.get_by_role("link", name="Sam Okafor").click()
    page.locator("#home").get_by_text("You haven't registered yet").wait_for()
    page.locator("#home").get_by_role("button", name="Register").click()
    page.locator("#modal").wait_for()


def test_a_modal_with_errors_keeps_what_was_typed(browser_page: tuple[Any, str]) -> None:
    page, url = browser_page
    open_as(page, url, "Sam Okafor")
    command(page, "/coaching-profile learner")
    page.locator("#modal").wait_for()
    why = page.locator('[data-block="why_coaching"] textarea')
    why.fill("I want to move into a deputy director role.")
    page.locator('[data-block="coaching_kinds"] input[value="career"]').check()
    page.click("#modal-submit")
    page.locator(".sb-error").first.wait_for()
    assert "Please give your organization." in page.locator("#modal").inner_text()
    assert why.input_value() == "I want to move into a deputy director role."
    assert page.locator('[data-block="coaching_kinds"] input[value="career"]').is_checked()
    page.set_viewport_size({"width": 1200, "height": 2400})  # the whole modal in one shot
    keep_screenshot(page, "modal-with-errors.png")
    page.set_viewport_size({"width": 1200, "height": 800})

    page.fill('[data-block="organization"] input', "City of Prairie Vista")
    page.select_option('[data-block="frequency"] select', "monthly")
    page.click("#modal-submit")
    page.locator("#modal-backdrop").wait_for(state="hidden")


def test_files_the_bot_shares_can_be_downloaded(browser_page: tuple[Any, str]) -> None:
    page, url = browser_page
    open_as(page, url, "Dana Whitfield")
    command(page, "/coaching-admin export")
    files = page.locator(".sb-file")
    files.filter(has_text="people.csv").wait_for()
    assert files.count() == 3
    keep_screenshot(page, "shared-file.png")

    with page.expect_download() as download:
        files.filter(has_text="people.csv").get_by_role("button", name="Download").click()
    assert download.value.suggested_filename == "people.csv"
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert "Priya Shah" in content and content.count("\n") > 30


def test_remove_their_data_asks_in_slacks_confirm_dialog(browser_page: tuple[Any, str]) -> None:
    page, url = browser_page
    open_as(page, url, "Dana Whitfield")
    command(page, "/coaching-admin remove @Lena Ortiz")
    remove = page.get_by_role("button", name="Remove their data")
    remove.click()
    dialog = page.locator("#confirm")
    dialog.get_by_text("Everything about this person will be deleted.").wait_for()
    assert "Remove for good?" in dialog.inner_text()
    dialog.get_by_role("button", name="Keep").click()
    assert dialog.is_hidden() and "Removed" not in page.locator("#messages").inner_text()

    remove.click()
    dialog.get_by_role("button", name="Remove").click()
    page.locator("#messages").get_by_text("Removed").wait_for()
    assert not page.locator("#notices").inner_text()


def test_dates_in_the_readers_locale_and_time_zone(tmp_path: Path) -> None:
    with browsing(tmp_path, locale="de-DE") as (page, url, _sandbox):
        open_as(page, url, "Priya Shah")
        posted = page.locator("#messages .sb-posted").first
        posted.wait_for()
        stamp = int(posted.get_attribute("data-ts"))
        expected = page.evaluate(
            "s => new Intl.DateTimeFormat('de-DE', {timeZone: 'America/New_York',"
            " hour: 'numeric', minute: '2-digit'}).format(new Date(s * 1000))",
            stamp,
        )
        assert posted.inner_text() == expected
        assert page.locator("#messages .sb-day").first.inner_text() == "Today"

        act_as(page, "Darnell Bellweather")
        token = page.locator("#messages .sb-body time.sb-date").first
        token.wait_for()
        fallback = page.evaluate("t => t.dataset.fallback", token.element_handle())
        stamp = int(token.get_attribute("data-ts"))
        medium = page.evaluate(
            "s => new Intl.DateTimeFormat('de-DE', {timeZone: 'America/Chicago',"
            " dateStyle: 'medium'}).format(new Date(s * 1000))",
            stamp,
        )
        assert token.get_attribute("data-format") == "{date_short}"
        assert token.inner_text() == medium != fallback
        assert "@today" not in page.locator("#messages").inner_text()


def test_quotes_long_words_unread_counts_and_the_home_tab(browser_page: tuple[Any, str]) -> None:
    page, url = browser_page
    open_as(page, url, "Priya Shah")
    group = page.locator("#conversations button", has_text="Darnell Bellweather")
    assert group.locator(".sb-unread").inner_text() == "2"
    group.click()
    page.locator("#messages").get_by_text("Statement of mutual understanding").wait_for()
    assert group.locator(".sb-unread").count() == 0

    command(page, "> a quoted line")
    quote = page.locator("#messages .sb-quote").last
    quote.wait_for()
    assert quote.inner_text() == "a quoted line"
    assert "> a quoted" not in page.locator("#messages").inner_text()
    command(page, "x" * 400)
    page.locator("#messages").get_by_text("x" * 400).wait_for()
    assert page.evaluate(
        "() => { const m = document.querySelector('#messages');"
        " return m.scrollWidth <= m.clientWidth; }"
    )

    act_as(page, "Darnell Bellweather")
    mine = page.locator("#conversations button", has_text="Priya Shah")
    assert mine.locator(".sb-unread").inner_text() == "4", "the bot's two and Priya's two"
    act_as(page, "Priya Shah")
    assert (
        page.locator("#conversations button", has_text="Darnell").locator(".sb-unread").count() == 0
    ), "read stays read"

    page.click("#tab-home")
    page.locator("#home .sb-section").first.wait_for()
    assert page.locator("#composer").is_hidden()


def test_fast_forward_counts_failed_deliveries(tmp_path: Path) -> None:
    with browsing(tmp_path, locale="en-US") as (page, url, sandbox):
        open_as(page, url, "Priya Shah")
        sandbox.world.slack.fail_next("chat.postMessage", "channel_not_found", times=100)
        page.click("#forward-month")
        summary = page.locator("#forward-result")
        summary.get_by_text("Reminders:").wait_for()
        assert "0 sent" in summary.inner_text() and "failed" in summary.inner_text()
        assert "channel_not_found" in summary.inner_text()
