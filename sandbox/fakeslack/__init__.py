"""A strict local stand-in for the Slack Web API. The tests talk to it as Slack, and the
sandbox ships it so the bot can run with no Slack at all."""

from .oauth import OAuthPageError
from .server import Call, FakeSlack, SlackError, Workspace

__all__ = ["Call", "FakeSlack", "OAuthPageError", "SlackError", "Workspace"]
