"""Which Slack workspaces the bot serves, and the Web API client for each.

Single-workspace mode: the one bot token (SLACK_BOT_TOKEN) for every request and send.
Installed with "Add to Slack" (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET): each workspace's
bot token comes from slack_sdk's SQLAlchemy installation store in the program's own
database; a workspace the app was removed from has none, and nothing is sent there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

STATE_EXPIRES_SECONDS = 600


def installation_store(client_id: str, engine: Engine) -> SQLAlchemyInstallationStore:
    """Installations and bot tokens, in the tables `storage/migrations` creates."""
    return SQLAlchemyInstallationStore(client_id=client_id, engine=engine)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    """The OAuth `state` of installs under way, so a redirect can't be forged."""
    return SQLAlchemyOAuthStateStore(expiration_seconds=STATE_EXPIRES_SECONDS, engine=engine)


class Workspaces:
    """The client for a team: `for_team(team_id)`, None when the app is not installed
    there. Clients are kept per token, so a reinstall (a new token) gets a new one."""

    def __init__(
        self,
        make_client: Callable[[str], WebClient],
        *,
        token: str | None = None,
        store: SQLAlchemyInstallationStore | None = None,
    ) -> None:
        self._make_client = make_client
        self._token = token
        self._store = store
        self._clients: dict[str, WebClient] = {}
        self._lock = threading.Lock()

    def token_for(self, team_id: str) -> str | None:
        if self._store is None:
            return self._token
        bot = self._store.find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None

    def for_team(self, team_id: str) -> WebClient | None:
        token = self.token_for(team_id)
        if token is None:
            return None
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = self._make_client(token)
            return client
