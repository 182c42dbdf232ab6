"""What a rule says instead of doing what was asked, so the Slack side can show each
the one way: `Invalid` on the form's fields, `Refused` as one reply, `Repeated` not at
all. Each flow's own exceptions (`IntroRefused`, `InvalidTerms`, ...) are kinds of these.
"""

from __future__ import annotations


class Invalid(ValueError):
    """The input can't be taken as it is: `errors` maps each form field (its block_id)
    to what is wrong with it, in plain words."""

    def __init__(self, errors: dict[str, str], message: str | None = None) -> None:
        self.errors = errors
        super().__init__(str(errors) if message is None else message)


class Refused(ValueError):
    """Not allowed; the message says why, for the person who asked."""


class Repeated(Refused):
    """The same thing again (a double submission): nothing to do, nothing to say."""
