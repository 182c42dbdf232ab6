"""The program's rules in plain Python: profiles, matching, the relationship life cycle.

Nothing here imports slack_bolt or slack_sdk; handlers translate Slack payloads into
these types and back.
"""
