"""The rules Slack enforces on a whole message that slack_sdk's models do not check
when a builder calls `to_dict()`: how many blocks, and ids that must be unique."""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_ID = 255


def broken_rule(blocks: list[dict[str, Any]], max_blocks: int = MAX_MESSAGE_BLOCKS) -> str | None:
    """The first rule `blocks` break, in words; None when Slack would take them."""
    if len(blocks) > max_blocks:
        return f"{len(blocks)} blocks, more than the {max_blocks} Slack allows"
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                return f"block {index} repeats block_id {block_id!r}"
            if len(block_id) > MAX_ID:
                return f"block {index} has a block_id over {MAX_ID} characters"
            block_ids.add(block_id)
        elements = block.get("elements", []) if block.get("type") == "actions" else []
        action_ids = [element.get("action_id") for element in elements]
        repeated = {a for a in action_ids if a is not None and action_ids.count(a) > 1}
        if repeated:
            return f"block {index} repeats action_id {sorted(repeated)[0]!r}"
    return None
