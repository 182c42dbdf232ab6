"""Slack's OAuth v2 install flow, as far as the app and the installing person see it: the
app's OAuth settings, the authorize request a browser brings to /oauth/v2/authorize, the
redirect back to the app, and the pages Slack shows on the way.

What Slack checks, and how the fake follows it:
- `client_id` must be the app's; otherwise Slack shows an error page and sends the
  browser nowhere (`OAuthPageError` here).
- `redirect_uri`, when sent, must be one of the app's configured Redirect URLs (the fake
  asks for an exact match); when left out, Slack sends the browser to the first one.
- `scope` and `user_scope` are comma-separated lists; at least one must name a scope.
- `state` comes back unchanged, with `code` (the person clicked Allow) or with
  `error=access_denied` (Cancel).
"""

from __future__ import annotations

import base64
import binascii
import html
import re
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

AUTHORIZE_PATH = "/oauth/v2/authorize"
SCOPE = re.compile(r"[a-z][a-z0-9_.-]*(?::[a-z0-9_.-]+)*")


class OAuthPageError(Exception):
    """Slack refused an authorize request with an error page; the browser is not sent
    back to the app. The message is the page's text."""


@dataclass(frozen=True)
class OAuthApp:
    """The app's OAuth & Permissions settings."""

    client_id: str
    client_secret: str
    redirect_urls: tuple[str, ...]
    org_deploy: bool = False
    """Whether an org admin may install the app across a whole Enterprise Grid org."""


@dataclass(frozen=True)
class AuthorizeRequest:
    """An /oauth/v2/authorize request that Slack accepted."""

    client_id: str
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]
    state: str | None
    redirect_uri: str | None
    """As the app sent it (None when left out)."""
    redirect_to: str
    """Where the browser is sent back to."""


def parse_authorize(query: dict[str, str], app: OAuthApp | None) -> AuthorizeRequest:
    """The request in an authorize URL's query, checked as Slack checks it."""
    if app is None or query.get("client_id") != app.client_id:
        raise OAuthPageError("Invalid client_id parameter")
    redirect_uri = query.get("redirect_uri") or None
    if redirect_uri is not None and redirect_uri not in app.redirect_urls:
        raise OAuthPageError(
            f"redirect_uri did not match any configured URIs. Passed URI: {redirect_uri}"
        )
    if redirect_uri is None and not app.redirect_urls:
        raise OAuthPageError("No redirect_uri was passed and the app has no Redirect URLs")
    scopes = _scope_list(query.get("scope", ""))
    user_scopes = _scope_list(query.get("user_scope", ""))
    if not scopes and not user_scopes:
        raise OAuthPageError("Invalid permissions requested")
    unknown = [scope for scope in (*scopes, *user_scopes) if not SCOPE.fullmatch(scope)]
    if unknown:
        raise OAuthPageError(f"Invalid permissions requested: {', '.join(unknown)}")
    return AuthorizeRequest(
        client_id=app.client_id,
        scopes=scopes,
        user_scopes=user_scopes,
        state=query.get("state"),
        redirect_uri=redirect_uri,
        redirect_to=redirect_uri or app.redirect_urls[0],
    )


def _scope_list(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def with_query(url: str, **params: str | None) -> str:
    """`url` with `params` added to its query string (None values left out)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    query += [(key, value) for key, value in params.items() if value is not None]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def client_credentials(authorization: str | None) -> tuple[str, str] | None:
    """client_id and client_secret from an HTTP Basic Authorization header."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, client_secret = decoded.partition(":")
    return (client_id, client_secret) if colon else None


def error_page(message: str) -> str:
    return _page("Something went wrong", f"<p>{html.escape(message)}</p>")


def consent_page(
    authorize_url: str,
    request: AuthorizeRequest,
    members: Iterable[tuple[str, str, str, str]],
    *,
    org_wide: bool,
) -> str:
    """Slack's "<app> is requesting permission" page. `members` are (team id, team name,
    user id, real name): whom the person is signed in as, chosen here as the fake has no
    sign-in. Allow and Cancel post back to the authorize URL."""
    options = "".join(
        f'<option value="{html.escape(team_id)} {html.escape(user_id)}">'
        f"{html.escape(name)} in {html.escape(team_name)}</option>"
        for team_id, team_name, user_id, name in members
    )
    scopes = "".join(f"<li><code>{html.escape(scope)}</code></li>" for scope in request.scopes)
    org_choice = (
        '<p><label><input type="checkbox" name="org_wide" value="1"> '
        "Install across the whole organization</label></p>"
        if org_wide
        else ""
    )
    body = (
        "<p>The app is requesting permission to access the workspace:</p>"
        f"<ul>{scopes}</ul>"
        f'<form method="post" action="{AUTHORIZE_PATH}">'
        f'<input type="hidden" name="authorize_url" value="{html.escape(authorize_url)}">'
        f'<p><label>Signed in as <select name="member">{options}</select></label></p>'
        f"{org_choice}"
        '<button name="decision" value="cancel">Cancel</button> '
        '<button name="decision" value="allow">Allow</button>'
        "</form>"
    )
    return _page("Install the app", body)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
