"""A strict local fake of the Slack Web API for the tests."""

from fakeslack.server import Call, FakeSlack, SlackError

__all__ = ["Call", "FakeSlack", "SlackError"]
