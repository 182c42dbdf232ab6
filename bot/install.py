"""Installing with "Add to Slack", and removing: Bolt's OAuth flow at /slack/install and
/slack/oauth_redirect, with the program set up for the workspace (the installing member
its first coordinator), organisation-wide installs refused, and the `app_uninstalled`
and `tokens_revoked` events stopping sends to a workspace at once (its data stays until
the retention period or an operator's export and removal)."""

from __future__ import annotations

import html
import logging
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.settings import Settings
from coaching import programs
from handlers.runtime import Runtime

logger = logging.getLogger(__name__)

ORGANISATION_REFUSED = (
    "Sounding Board is installed one workspace at a time for now, not for a whole Enterprise "
    "Grid organisation. Nothing was installed. Please install it in each workspace that runs "
    "a program."
)
CANCELLED = "Nothing was installed: you cancelled on Slack's page."
LINK_SPENT = (
    "Nothing was installed: this install link has expired or was used already. Each one "
    "works once, for ten minutes, in the browser that opened the install page."
)
NOT_SAVED = (
    "Nothing was installed: the program's database could not save the installation. "
    "Please try again in a few minutes; if it keeps happening, tell whoever runs "
    "Sounding Board."
)
SPENT_LINK_REASONS = frozenset({"invalid_browser", "invalid_state", "missing_code", "invalid_code"})


def page(
    status: int, title: str, text: str, *, again: str | None = None, cookie: str | None = None
) -> BoltResponse:
    """A short page in plain words; `again` links back to the install page."""
    link = (
        f"<p><a href='{html.escape(again)}'>Start again from the install page</a></p>"
        if again
        else ""
    )
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p>{link}</body></html>"
    )
    headers = {"content-type": "text/html; charset=utf-8"}
    if cookie is not None:
        headers["set-cookie"] = cookie
    return BoltResponse(status=status, body=body, headers=headers)


def failure_page(reason: str, status: int, install_path: str, cookie: str | None) -> BoltResponse:
    """Why an install did not happen, in words the installing person can act on."""
    if reason == "access_denied":
        return page(200, "Not installed", CANCELLED, again=install_path, cookie=cookie)
    if reason in SPENT_LINK_REASONS:
        return page(status, "Not installed", LINK_SPENT, again=install_path, cookie=cookie)
    if reason == "storage_error":
        return page(500, "Not installed", NOT_SAVED, again=install_path, cookie=cookie)
    text = f"Nothing was installed: Slack answered {reason!r}."
    return page(status, "Not installed", text, again=install_path, cookie=cookie)


def oauth_settings(
    settings: Settings, store: InstallationStore, states: OAuthStateStore, runtime: Runtime
) -> OAuthSettings:
    """Bolt's OAuth flow, its token exchange sent to SLACK_API_URL with every other call
    (the App's client), its authorize page at SLACK_AUTHORIZE_URL (GovSlack has its own)."""

    def installed(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.is_enterprise_install or not installation.team_id:
            store.delete_installation(
                enterprise_id=installation.enterprise_id, team_id=installation.team_id
            )
            store.delete_bot(enterprise_id=installation.enterprise_id, team_id=installation.team_id)
            logger.warning("Refused an organisation-wide install")
            return page(400, "Install it in a workspace", ORGANISATION_REFUSED)
        with runtime.sessions.begin() as session:
            programs.installed(
                session,
                installation.team_id,
                installation.user_id,
                runtime.defaults,
                runtime.clock(),
            )
        return args.default.success(args)

    def failed(args: FailureArgs) -> BoltResponse:
        logger.info("An install did not complete: %s", args.reason)
        return failure_page(
            args.reason,
            args.suggested_status_code,
            args.settings.install_path,
            args.settings.state_utils.build_set_cookie_for_deletion(),
        )

    assert settings.slack_client_id and settings.slack_client_secret
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes),
        installation_store=store,
        state_store=states,
        authorization_url=settings.slack_authorize_url,
        callback_options=CallbackOptions(success=installed, failure=failed),
    )


def authorize(store: InstallationStore, client: WebClient) -> InstallationStoreAuthorize:
    """Bolt's authorization of each request by its workspace's installation, but bot
    tokens only (the app asks for no user scopes), and Slack's check of a token
    (`auth.test`) made once per token in each process rather than on every request
    before its acknowledgement. The token itself is looked up on every request, so a
    workspace the app was removed from is refused at once."""
    return InstallationStoreAuthorize(
        logger=logger, installation_store=store, bot_only=True, cache_enabled=True, client=client
    )


def register_uninstall(app: App, runtime: Runtime, store: InstallationStore | None) -> None:
    """Sends to a workspace stop as soon as the app is removed or its token revoked."""

    def removed(context: BoltContext, event: dict[str, Any]) -> None:
        team_id = context.team_id or ""
        if event.get("type") == "tokens_revoked" and not (event.get("tokens") or {}).get("bot"):
            return
        if store is not None:
            store.delete_all(enterprise_id=context.enterprise_id, team_id=team_id)
        with runtime.sessions.begin() as session:
            programs.uninstalled(session, team_id, runtime.clock())
        logger.info("The app was removed from a workspace; nothing more is sent there")

    app.event("app_uninstalled")(removed)
    app.event("tokens_revoked")(removed)
