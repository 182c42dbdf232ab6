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
from sqlalchemy import Engine, desc, select

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
        """The bot token of the latest install in the workspace. By team id alone (team
        ids are unique across Slack): `find_bot` also asks for the enterprise id, which
        a workspace in an Enterprise Grid organisation has and a scheduled send does not
        know."""
        if self._store is None:
            return self._token
        bots = self._store.bots
        latest = (
            select(bots.c.bot_token)
            .where(
                bots.c.client_id == self._store.client_id,
                bots.c.team_id == team_id,
                bots.c.bot_token.is_not(None),
            )
            .order_by(desc(bots.c.installed_at))
            .limit(1)
        )
        with self._store.engine.connect() as connection:
            return connection.scalar(latest)

    def for_team(self, team_id: str) -> WebClient | None:
        token = self.token_for(team_id)
        if token is None:
            return None
        with self._lock:
            client = self._clients.get(token)
            if client is None:
                client = self._clients[token] = self._make_client(token)
            return client
