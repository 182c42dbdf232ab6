"""Block Kit and mrkdwn to HTML, for the sandbox page.

Only what Sounding Board sends is drawn (sections with text, fields and accessories,
context, dividers, headers, actions, inputs); mrkdwn is drawn minimally (bold, italics,
strikethrough, `code`, links, mentions as @Name). Everything else is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPECIAL = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_TAG = re.compile(r"<[^>]+>")
_INLINE_TAG = re.compile(r"</?(?:span|b|i|s|code|a)(?:\s[^>]*)?>")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|tel:)", re.IGNORECASE)


def _unslack(text: str) -> str:
    """Slack escapes &, < and > in message text; undo that before escaping for HTML."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _special(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        name = names.get(target[1:]) or label or target[1:]
        return f'<span class="sb-mention">@{html.escape(name)}</span>'
    if target.startswith("#"):
        return f'<span class="sb-mention">#{html.escape(label or target[1:])}</span>'
    if target.startswith("!"):
        word = label or target[1:].split("^")[0]
        return f'<span class="sb-mention">@{html.escape(word)}</span>'
    if _SAFE_LINK.match(target):
        return (
            f'<a href="{html.escape(_unslack(target), quote=True)}" target="_blank" '
            f'rel="noopener noreferrer">{html.escape(_unslack(label or target))}</a>'
        )
    return html.escape(_unslack(inner))


def printable(text: str) -> str:
    """`text` without control characters other than tab and newline: they draw nothing,
    and NUL is what marks a placeholder in `mrkdwn`, so typed text can never forge one."""
    return _CONTROL.sub("", text)


def mrkdwn(text: str, names: Mapping[str, str]) -> str:
    specials: list[str] = []

    def keep(match: re.Match[str]) -> str:
        specials.append(_special(match.group(1), names))
        return f"\x00{len(specials) - 1}\x00"

    escaped = html.escape(_unslack(_SPECIAL.sub(keep, printable(text))), quote=False)
    escaped = _CODE.sub(lambda m: f"<code>{m.group(1)}</code>", escaped)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC.sub(r"<i>\1</i>", escaped)
    escaped = _STRIKE.sub(r"<s>\1</s>", escaped)
    escaped = escaped.replace("\n", "<br>")
    return _PLACEHOLDER.sub(lambda m: specials[int(m.group(1))], escaped)


def text_object(obj: Any, names: Mapping[str, str]) -> str:
    if isinstance(obj, str):
        return mrkdwn(obj, names)
    if not isinstance(obj, dict):
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(obj.get("text", ""), names)
    return html.escape(printable(obj.get("text", ""))).replace("\n", "<br>")


def plain(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else str(obj or "")


def visible_text(fragment: str) -> str:
    """What a person reads in an HTML fragment (tags dropped, entities decoded)."""
    spaced = fragment.replace("<br>", "\n").replace("</div>", "</div>\n")
    return html.unescape(_TAG.sub(" ", _INLINE_TAG.sub("", spaced)))


def _attrs(**values: Any) -> str:
    return "".join(
        f' {key.rstrip("_").replace("_", "-")}="{html.escape(str(value), quote=True)}"'
        for key, value in values.items()
        if value is not None
    )


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options", []))
    for group in element.get("option_groups", []):
        options.extend(group.get("options", []))
    return options


def _select(
    element: dict[str, Any], name: str, names: Mapping[str, str], *, multiple: bool = False
) -> str:
    initial = {o["value"] for o in element.get("initial_options", [])}
    if element.get("initial_option"):
        initial.add(element["initial_option"]["value"])
    if element["type"] == "users_select":
        options = [{"value": uid, "text": {"text": nm}} for uid, nm in names.items()]
        if element.get("initial_user"):
            initial.add(element["initial_user"])
    else:
        options = _options(element)
    parts = []
    if not multiple and not initial:
        prompt = plain(element.get("placeholder")) or "Choose…"
        parts.append(f'<option value="">{html.escape(prompt)}</option>')
    for option in options:
        selected = " selected" if option["value"] in initial else ""
        parts.append(
            f'<option value="{html.escape(option["value"], quote=True)}"{selected}>'
            f"{html.escape(plain(option['text']))}</option>"
        )
    many = " multiple" if multiple else ""
    return f"<select{_attrs(name=name)}{many}>{''.join(parts)}</select>"


def _button(element: dict[str, Any], block_id: str, names: Mapping[str, str]) -> str:
    confirm = element.get("confirm")
    attrs = _attrs(
        data_block=block_id,
        data_action=element.get("action_id", ""),
        data_confirm=plain(confirm.get("text")) if confirm else None,
        class_=f"sb-button sb-action sb-{element.get('style', 'default')}",
    )
    label = html.escape(plain(element.get("text")))
    if element.get("url"):
        href = element["url"] if _SAFE_LINK.match(element["url"]) else "#"
        return (
            f'<a{attrs} href="{html.escape(href, quote=True)}" target="_blank" '
            f'rel="noopener noreferrer">{label} ↗</a>'
        )
    return f'<button type="button"{attrs}>{label}</button>'


def interactive(element: dict[str, Any], block_id: str, names: Mapping[str, str]) -> str:
    """An element in an actions block or a section's accessory."""
    kind = element.get("type")
    if kind == "button":
        return _button(element, block_id, names)
    if kind in {"static_select", "users_select", "overflow"}:
        if kind == "overflow":
            element = {**element, "placeholder": {"text": "…"}}
        select = _select(element, element.get("action_id", ""), names)
        return select.replace(
            "<select ",
            f"<select{_attrs(data_block=block_id, data_action=element.get('action_id', ''))}"
            ' class="sb-select" ',
            1,
        )
    if kind == "image":
        return f'<span class="sb-image">[{html.escape(element.get("alt_text", "image"))}]</span>'
    return f'<span class="sb-unsupported">[{html.escape(str(kind))}]</span>'


def _input(block: dict[str, Any], names: Mapping[str, str], error: str | None) -> str:
    element = block.get("element", {})
    kind = element.get("type")
    name = block.get("block_id", "")
    placeholder = plain(element.get("placeholder")) or None
    if kind == "plain_text_input":
        value = html.escape(element.get("initial_value", ""))
        limit = _attrs(maxlength=element.get("max_length"), placeholder=placeholder)
        if element.get("multiline"):
            field = f'<textarea{_attrs(name=name)} rows="3"{limit}>{value}</textarea>'
        else:
            field = (
                f'<input type="text" name="{html.escape(name, quote=True)}" value="{value}"{limit}>'
            )
    elif kind in {"number_input", "email_text_input", "url_text_input"}:
        kind_attr = {"number_input": "number", "email_text_input": "email"}.get(kind, "url")
        field = (
            f'<input type="{kind_attr}" step="any"'
            f"{_attrs(name=name, value=element.get('initial_value', ''), placeholder=placeholder)}>"
        )
    elif kind == "datepicker":
        field = f'<input type="date"{_attrs(name=name, value=element.get("initial_date", ""))}>'
    elif kind in {"static_select", "users_select"}:
        field = _select(element, name, names)
    elif kind == "multi_static_select":
        field = _select(element, name, names, multiple=True)
    elif kind in {"checkboxes", "radio_buttons"}:
        chosen = {o["value"] for o in element.get("initial_options", [])}
        if element.get("initial_option"):
            chosen.add(element["initial_option"]["value"])
        box = "checkbox" if kind == "checkboxes" else "radio"
        choices = []
        for option in element.get("options", []):
            checked = " checked" if option["value"] in chosen else ""
            description = (
                f'<span class="sb-hint">{text_object(option["description"], names)}</span>'
                if option.get("description")
                else ""
            )
            choices.append(
                f'<label class="sb-choice"><input type="{box}"'
                f"{_attrs(name=name, value=option['value'])}{checked}> "
                f"{text_object(option['text'], names)}{description}</label>"
            )
        field = "".join(choices)
    else:
        field = f'<span class="sb-unsupported">[{html.escape(str(kind))}]</span>'
    optional = ' <span class="sb-optional">(optional)</span>' if block.get("optional") else ""
    hint = (
        f'<div class="sb-hint">{text_object(block["hint"], names)}</div>'
        if block.get("hint")
        else ""
    )
    problem = f'<div class="sb-error">{html.escape(error)}</div>' if error else ""
    return (
        f'<div class="sb-input"{_attrs(data_block=name, data_type=kind)}>'
        f'<label class="sb-label">{html.escape(plain(block.get("label")))}{optional}</label>'
        f"{field}{hint}{problem}</div>"
    )


def block(
    item: dict[str, Any], names: Mapping[str, str], errors: Mapping[str, str] | None = None
) -> str:
    kind = item.get("type")
    block_id = item.get("block_id", "")
    if kind == "section":
        parts = []
        if item.get("text"):
            parts.append(f'<div class="sb-text">{text_object(item["text"], names)}</div>')
        if item.get("fields"):
            fields = "".join(
                f'<div class="sb-field">{text_object(f, names)}</div>' for f in item["fields"]
            )
            parts.append(f'<div class="sb-fields">{fields}</div>')
        accessory = item.get("accessory")
        if accessory:
            parts.append(
                f'<div class="sb-accessory">{interactive(accessory, block_id, names)}</div>'
            )
        return f'<div class="sb-section">{"".join(parts)}</div>'
    if kind == "header":
        return f'<h3 class="sb-header">{text_object(item.get("text"), names)}</h3>'
    if kind == "divider":
        return '<hr class="sb-divider">'
    if kind == "context":
        parts = [
            interactive(e, block_id, names) if e.get("type") == "image" else text_object(e, names)
            for e in item.get("elements", [])
        ]
        return f'<div class="sb-context">{" · ".join(parts)}</div>'
    if kind == "actions":
        elements = "".join(interactive(e, block_id, names) for e in item.get("elements", []))
        return f'<div class="sb-actions">{elements}</div>'
    if kind == "input":
        return _input(item, names, (errors or {}).get(block_id))
    if kind == "image":
        return interactive(item, block_id, names)
    return f'<div class="sb-unsupported">[{html.escape(str(kind))} block]</div>'


def blocks(
    items: list[dict[str, Any]],
    names: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
) -> str:
    return "".join(block(item, names, errors) for item in items)


def message(content: dict[str, Any], names: Mapping[str, str]) -> str:
    """A message's blocks, or its text when it has none."""
    if content.get("blocks"):
        return blocks(content["blocks"], names)
    return f'<div class="sb-text">{mrkdwn(content.get("text", ""), names)}</div>'
