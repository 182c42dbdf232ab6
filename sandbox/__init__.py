"""The sandbox: the real bot, its handlers and its database code, talking to a local
stand-in for Slack, with a small web page that plays Slack (`python -m sandbox`)."""
