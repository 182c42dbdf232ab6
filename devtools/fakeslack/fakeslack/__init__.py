"""A strict local stand-in for the Slack Web API, and requests to a bot exactly as Slack
signs and sends them. Sounding Board's tests, benchmarks and sandbox use it; the bot's
installed product does not contain it.

- `FakeSlack`: the Web API (one or several workspaces, OAuth installs, rate limits, the
  Block Kit rules Slack enforces), recording every call.
- `ClientSlack`: the same, plus what a Slack *client* keeps that the Web API does not
  show (ephemeral messages, modals by trigger, shared files) and a snapshot to restart
  from: the sandbox's Slack.
- `fakeslack.requests`: payload factories and the signed-request sender.
"""

from .client import ClientSlack
from .oauth import OAuthPageError
from .server import Call, FakeSlack, Hold, SlackError, Workspace

__all__ = [
    "Call",
    "ClientSlack",
    "FakeSlack",
    "Hold",
    "OAuthPageError",
    "SlackError",
    "Workspace",
]
