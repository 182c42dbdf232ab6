"""Installing the app with "Add to Slack", as the installing person's browser does it:
the bot's install page, Slack's authorize page (the fake's `authorize`), and back to the
bot's redirect URL with the code and state."""

from __future__ import annotations

import html
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

from fakeslack import FakeSlack

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
_LINK = re.compile(r'<a href="([^"]+)"')


@dataclass
class Page:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def text(self) -> str:
        """What a person reads on the page: its words, without the markup."""
        return html.unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", self.body, flags=re.S))


@dataclass
class Browser:
    """One person's browser: it keeps the cookies the bot sets and sends them back, and
    shows a redirect rather than following it. (The bot's state cookie is `Secure`: a
    browser sends it over https, and to a local http address; urllib's cookie jar would
    not, so cookies are kept here by name.)"""

    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, url: str) -> Page:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(url, headers=headers)
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=30) as reply:
                page = Page(reply.status, reply.read().decode(), dict(reply.headers))
                set_cookies = reply.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            page = Page(error.code, error.read().decode(), dict(error.headers))
            set_cookies = error.headers.get_all("Set-Cookie") or []
        for header in set_cookies:
            for name, morsel in SimpleCookie(header).items():
                expires = morsel["expires"]
                if morsel["max-age"] == "0" or (
                    expires and parsedate_to_datetime(expires) <= datetime.now(UTC)
                ):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def add_to_slack_link(page: Page) -> str:
    """The "Add to Slack" link on the bot's install page."""
    found = _LINK.search(page.body)
    assert found is not None and "Add to Slack" in page.body, page.body
    return html.unescape(found.group(1))


def install(
    base_url: str,
    fake: FakeSlack,
    team: str,
    user: str,
    *,
    allow: bool = True,
    org_wide: bool = False,
    browser: Browser | None = None,
) -> Page:
    """`user` of workspace `team` opens the bot's install page, clicks Add to Slack, then
    Allow (or Cancel) on Slack's page: the page the bot shows them at the end."""
    browser = browser or Browser()
    link = add_to_slack_link(browser.get(base_url + INSTALL_PATH))
    redirect = fake.authorize(link, team, user, allow=allow, org_wide=org_wide)
    assert redirect.startswith(base_url + REDIRECT_PATH), redirect
    return browser.get(redirect)


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
