"""Builds the one WebClient and the one Bolt App, wired to storage and the handlers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.exc import SQLAlchemyError

import handlers
from handlers.runtime import Runtime
from handlers.views.notices import notice

logger = logging.getLogger(__name__)

SORRY = (
    "Sorry, something went wrong on our side and nothing was changed. "
    "Please try again; if it keeps happening, tell your program coordinator."
)
DATABASE_BUSY = (
    "The program's database is busy or unavailable just now, so nothing was changed. "
    "Please try again in a minute."
)


def build_client(
    token: str | None, base_url: str | None = None, *, wait_out_rate_limits: bool = True
) -> WebClient:
    """A Web API client with Slack's own retry handlers for dropped connections, 5xx and
    (unless the caller handles them itself, as the outbox does: a workspace that is rate
    limited must not hold up the others) 429 rate limits, honouring Retry-After. Without
    a token it is the template Bolt copies for each workspace's requests."""
    client = WebClient(token=token, base_url=base_url or WebClient.BASE_URL, timeout=10)
    client.retry_handlers.append(ConnectionErrorRetryHandler(max_retry_count=2))
    if wait_out_rate_limits:
        client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def build_app(
    runtime: Runtime,
    client: WebClient,
    signing_secret: str,
    *,
    listener_executor: Executor | None = None,
    oauth_settings: OAuthSettings | None = None,
) -> App:
    """The Bolt app. Its own request verification is off: over HTTP every request comes
    through the door (`bot.server`, `bot.door`), which checks the signature before Bolt
    sees the request, as Bolt's documentation allows for "a proxy that verifies request
    signature in front of the Bolt app". Bolt's verifier would check it a second time and
    log the whole body of every request it refuses. Socket Mode has no signatures to
    check. So serve this app over HTTP only through `bot.server.build_web_app`.

    With `oauth_settings` the app serves every workspace that installed it, each request
    with that workspace's token; else the one token `client` carries."""
    app = App(
        client=client,
        signing_secret=signing_secret,
        name="Sounding Board",
        raise_error_for_unhandled_request=False,
        request_verification_enabled=False,
        listener_executor=listener_executor,
        oauth_settings=oauth_settings,
        authorize=installed_workspaces(oauth_settings, client) if oauth_settings else None,
    )
    app.use(keep_acknowledgements)
    app.use(skip_timed_out_retries)
    app.use(runtime.middleware)
    handlers.register_all(app)
    app.error(_polite_error)
    return app


def installed_workspaces(oauth: OAuthSettings, client: WebClient) -> InstallationStoreAuthorize:
    """Bolt's authorization from the installation store, as Bolt builds it, but with its
    cache on: Bolt asks Slack `auth.test` about the token before every request otherwise,
    a round trip to Slack before each acknowledgement. The cache is by token, looked up
    after the store: a workspace that removed the app has no token, so is refused at
    once; a reinstall brings a new token. Bot tokens only (the app asks for no user
    scopes)."""
    return InstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.App"),
        installation_store=oauth.installation_store,
        client_id=oauth.client_id,
        client_secret=oauth.client_secret,
        bot_only=True,
        cache_enabled=True,
        client=client,
    )


class KeptAck(Ack):
    """Bolt's `ack`, except that an answer once given stays given.

    When a listener acknowledges and then raises, Bolt (1.30, thread_runner.py) sets
    `ack.response` back to None once the error handler has run. If that happens before
    the request's thread has looked (it looks every 10 ms), Bolt waits out its three
    seconds and answers 404: Slack then reports a failure for a request that was
    acknowledged, and whose person the error handler has already told what happened."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "response" and value is None and getattr(self, "response", None):
            return
        super().__setattr__(name, value)


def keep_acknowledgements(context: BoltContext, next: Callable[[], None]) -> None:
    """Bolt global middleware: give every listener a `KeptAck`."""
    context["ack"] = KeptAck()
    next()


def skip_timed_out_retries(
    request: BoltRequest, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """Slack re-sends a request it thinks timed out. Every listener here acknowledges at
    once and does its work after, so the first delivery is already being handled: answer
    the retry with 200 and do nothing. Retries for other reasons (an error answer) are
    handled as usual."""
    retried = request.headers.get("x-slack-retry-num")
    reason = (request.headers.get("x-slack-retry-reason") or [""])[0]
    if retried and reason == "http_timeout":
        return BoltResponse(status=200, body="")
    return next()


TRIGGER_SPENT = frozenset({"exchanged_trigger_id", "expired_trigger_id"})
TRIGGER_EXPIRED = "Slack gave us too little time to open that form; please try once more."


def _polite_error(
    error: Exception,
    body: dict[str, Any],
    client: WebClient,
    logger: logging.Logger,
    response: BoltResponse | None,
) -> BoltResponse | None:
    """Turn an unexpected failure into a short reply to the person who acted: in the
    answer itself when the request was not acknowledged yet (an ephemeral message for a
    command, a notice in place of a modal), else in a DM."""
    logger.error("Unhandled %s in a listener", type(error).__name__, exc_info=error)
    message = DATABASE_BUSY if isinstance(error, SQLAlchemyError) else SORRY
    if isinstance(error, SlackApiError) and error.response.get("error") in TRIGGER_SPENT:
        if error.response.get("error") == "exchanged_trigger_id":
            return None
        message = TRIGGER_EXPIRED
    if response is not None:
        if "command" in body:
            return _json({"response_type": "ephemeral", "text": message})
        if body.get("type") == "view_submission":
            return _json(
                {"response_action": "update", "view": notice("Not saved", message).to_dict()}
            )
    user_id = body.get("user_id") or (body.get("user") or {}).get("id")
    if user_id:
        try:
            client.chat_postMessage(channel=user_id, text=message)
        except Exception:
            logger.warning("Could not tell the user about the error either")
    return BoltResponse(status=200, body="") if response is not None else None


def _json(payload: dict[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )
