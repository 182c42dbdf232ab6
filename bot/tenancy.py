"""Each request is served as one workspace's, the one whose token answers it.

Bolt takes the workspace of a request from the body (for an interaction in a modal or
the Home tab, the view's `app_installed_team_id` before the `team` the person acted in)
and authorizes it with that workspace's token. Two Bolt middlewares let a request through
only when everything in it names that one workspace:

- before the token is looked up (`refuse_two_workspaces`), an interaction whose view,
  or whose person outside an Enterprise Grid organisation (whose members act in several
  of its workspaces), belongs to another workspace than the one the person acted in is
  refused with 400, and nothing happens;
- after (`serve_the_tokens_workspace`), in single-workspace mode, a request from any
  workspace but the token's (the same app installed elsewhere by hand) is answered with
  `NOT_SERVED` (through its response_url, as Bolt tells a workspace with no
  installation), and nothing else happens.

With Add to Slack the token is looked up by the request's workspace, so the second
never trips there; a workspace without an installation is Bolt's own refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse

logger = logging.getLogger(__name__)

INTERACTIONS = frozenset({"block_actions", "view_submission", "view_closed"})
NOT_SERVED = (
    "Sounding Board isn't set up for this workspace. Ask whoever runs it to install it "
    "here with Add to Slack."
)


def other_workspace(body: dict[str, Any]) -> bool:
    """Whether an interaction names a second workspace beside the one the person acted
    in (`team.id`): the view's (`team_id`, `app_installed_team_id`), or the person's own
    (`user.team_id`) outside an Enterprise Grid organisation."""
    team = body.get("team")
    if not isinstance(team, dict) or body.get("type") not in INTERACTIONS:
        return False
    view = body.get("view") if isinstance(body.get("view"), dict) else {}
    user = body.get("user") if isinstance(body.get("user"), dict) else {}
    named = [view.get("team_id"), view.get("app_installed_team_id")]
    if not body.get("enterprise") and not team.get("enterprise_id"):
        named.append(user.get("team_id"))
    return any(workspace not in (None, team.get("id")) for workspace in named)


def refuse_two_workspaces(
    request: BoltRequest, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """Bolt's `before_authorize` middleware."""
    if other_workspace(request.body):
        logger.warning("Refused an interaction that names two workspaces")
        return BoltResponse(status=400, body="")
    return next()


def serve_the_tokens_workspace(
    context: BoltContext, next: Callable[[], BoltResponse | None]
) -> BoltResponse | None:
    """Bolt global middleware."""
    authorized = context.authorize_result
    served = authorized.team_id if authorized is not None else None
    if not served or not context.team_id or served == context.team_id:
        return next()
    logger.warning("Refused a request from a workspace this bot's token does not serve")
    if context.response_url is not None and context.respond is not None:
        context.respond(NOT_SERVED)
        return BoltResponse(status=200, body="")
    return BoltResponse(status=200, body=NOT_SERVED)
