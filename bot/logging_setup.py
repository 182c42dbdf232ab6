"""Logs that never carry a credential: a filter that redacts Slack tokens and the app's
own secrets from every record before any handler writes it.

`install_redaction` puts one `RedactSecrets` filter on each handler of a logger (the root
logger in `python -m bot`). A filter on a handler sees every record that reaches the
handler, including records propagated from child loggers (slack_bolt, slack_sdk,
waitress, the bot's own modules), which a filter on a logger would not.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REDACTED = "[redacted]"

SLACK_TOKEN = re.compile(
    r"\b(?:xox[a-z](?:\.xox[a-z])?|xapp)-[A-Za-z0-9][A-Za-z0-9-]*",
)
"""Bot (xoxb-), user (xoxp-), refresh (xoxe-, xoxe.xoxp-), legacy (xoxa-, xoxs-, xoxr-)
and app-level (xapp-) tokens."""

SECRET_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
MIN_SECRET_LENGTH = 6
"""Shorter values are not treated as secrets: redacting them would mangle ordinary words."""


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every Slack token and every one of `secrets` replaced by REDACTED."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    return SLACK_TOKEN.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message, arguments, traceback or stack hold a secret.

    The message is formatted with its arguments first, so a token inside an argument
    (a dict, an exception, a settings object) is found too; a record that holds no secret
    is passed on untouched. Never drops a record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH)

    def _clean(self, text: str) -> str:
        return redact(text, self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: keep what can be read of it
            message = f"{record.msg} {record.args!r}"
        cleaned = self._clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._clean(record.exc_text)
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True


def secrets_from(env: Mapping[str, str]) -> list[str]:
    """The secret values in the environment: the Slack tokens and signing secret, and
    the password inside DATABASE_URL if it has one."""
    found = [env.get(name, "").strip() for name in SECRET_VARIABLES]
    database_url = env.get("DATABASE_URL", "").strip()
    if database_url:
        try:
            password = make_url(database_url).password
        except (ArgumentError, ValueError):
            password = None
        if password:
            found.append(str(password))
    return [secret for secret in found if secret]


def install_redaction(logger: logging.Logger, secrets: Iterable[str] = ()) -> RedactSecrets:
    """Add one RedactSecrets filter to every handler of `logger`; returns it (for removal
    with `remove_redaction`)."""
    redaction = RedactSecrets(secrets)
    for handler in logger.handlers:
        handler.addFilter(redaction)
    return redaction


def remove_redaction(logger: logging.Logger, redaction: RedactSecrets) -> None:
    for handler in logger.handlers:
        handler.removeFilter(redaction)
