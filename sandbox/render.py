"""Block Kit and mrkdwn to HTML, for the sandbox page.

Draws what Slack draws for the surfaces Sounding Board sends: sections with text, fields
and accessories, context, dividers, headers, images (as their alt text), actions and
inputs with every element the bot uses (buttons with their confirm dialogs, link
buttons, static and user selects, overflow menus, radio buttons, checkboxes, date and
time pickers), and files shared in a message. mrkdwn as Slack reads it: bold, italics,
strikethrough, `code` and ``` blocks, > quotes, links, mentions as @Name, and date
tokens (`<!date^…>`), which the page formats in the reader's locale and time zone.
Everything else is escaped.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPECIAL = re.compile(r"<([^<>\n]+)>")
_PLACEHOLDER = re.compile("\x00(\\d+)\x00")
_CODE_BLOCK = re.compile(r"```\n?(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_QUOTE = re.compile(r"^&gt; ?")
_QUOTE_REST = "&gt;&gt;&gt;"
_TAG = re.compile(r"<[^>]+>")
_INLINE_TAG = re.compile(r"</?(?:span|b|i|s|code|a|time)(?:\s[^>]*)?>")
_BLOCK_END = re.compile(r"</(?:div|blockquote|pre|h3)>")
_SAFE_LINK = re.compile(r"^(https?:|mailto:|tel:)", re.IGNORECASE)
_DATE = re.compile(r"!date\^(\d{1,12})\^([^\^|]+)(?:\^([^|]*))?")


def _unslack(text: str) -> str:
    """Slack escapes &, < and > in message text; undo that before escaping for HTML."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _link(target: str, label_html: str) -> str:
    return (
        f'<a href="{html.escape(_unslack(target), quote=True)}" target="_blank" '
        f'rel="noopener noreferrer">{label_html}</a>'
    )


def _date(found: re.Match[str], fallback: str) -> str:
    """A date token: the page formats `data-format` for the reader; until it has, and
    wherever it can't, the fallback text shows (as in Slack)."""
    stamp, template, target = found.group(1), found.group(2), found.group(3) or ""
    drawn = (
        f'<time class="sb-date"{_attrs(data_ts=stamp, data_format=_unslack(template))}>'
        f"{html.escape(_unslack(fallback))}</time>"
    )
    return _link(target, drawn) if _SAFE_LINK.match(target) else drawn


def _special(inner: str, names: Mapping[str, str]) -> str:
    target, _, label = inner.partition("|")
    if target.startswith("@"):
        name = names.get(target[1:]) or label or target[1:]
        return f'<span class="sb-mention">@{html.escape(name)}</span>'
    if target.startswith("#"):
        return f'<span class="sb-mention">#{html.escape(label or target[1:])}</span>'
    if target.startswith("!"):
        found = _DATE.fullmatch(target)
        if found is not None:
            return _date(found, label)
        word = label or target[1:].split("^")[0]
        return f'<span class="sb-mention">@{html.escape(word.lstrip("@"))}</span>'
    if _SAFE_LINK.match(target):
        return _link(target, html.escape(_unslack(label or target)))
    return html.escape(_unslack(inner))


def printable(text: str) -> str:
    """`text` without control characters other than tab and newline: they draw nothing,
    and NUL is what marks a placeholder in `mrkdwn`, so typed text can never forge one."""
    return _CONTROL.sub("", text)


def printable_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """What was typed in a form, as the page shows it again: without the characters that
    draw nothing."""
    return {
        key: printable(value)
        if isinstance(value, str)
        else [printable(str(item)) for item in value]
        if isinstance(value, list)
        else value
        for key, value in values.items()
    }


def _quoted(lines: list[str]) -> str:
    """Lines joined with <br>, runs of "> " lines drawn as a quote; ">>>" quotes the rest."""
    parts: list[str] = []
    quote: list[str] = []

    def close() -> None:
        if quote:
            parts.append(f'<blockquote class="sb-quote">{"<br>".join(quote)}</blockquote>')
            quote.clear()

    for index, line in enumerate(lines):
        if line.startswith(_QUOTE_REST):
            close()
            rest = [line[len(_QUOTE_REST) :].lstrip(), *lines[index + 1 :]]
            parts.append(f'<blockquote class="sb-quote">{"<br>".join(rest)}</blockquote>')
            return _joined(parts)
        if _QUOTE.match(line):
            quote.append(_QUOTE.sub("", line, count=1))
            continue
        close()
        parts.append(line)
    close()
    return _joined(parts)


def _joined(parts: list[str]) -> str:
    joined = ""
    for index, part in enumerate(parts):
        block = part.startswith("<blockquote")
        after_block = index > 0 and parts[index - 1].startswith("<blockquote")
        if index and not block and not after_block:
            joined += "<br>"
        joined += part
    return joined


def mrkdwn(text: str, names: Mapping[str, str]) -> str:
    kept: list[str] = []

    def keep(drawn: str) -> str:
        kept.append(drawn)
        return f"\x00{len(kept) - 1}\x00"

    text = _SPECIAL.sub(lambda m: keep(_special(m.group(1), names)), printable(text))
    escaped = html.escape(_unslack(text), quote=False)
    escaped = _CODE_BLOCK.sub(
        lambda m: keep(f'<pre class="sb-pre">{m.group(1).rstrip(chr(10))}</pre>'), escaped
    )
    escaped = _CODE.sub(lambda m: keep(f"<code>{m.group(1)}</code>"), escaped)
    escaped = _BOLD.sub(r"<b>\1</b>", escaped)
    escaped = _ITALIC.sub(r"<i>\1</i>", escaped)
    escaped = _STRIKE.sub(r"<s>\1</s>", escaped)
    drawn = _quoted(escaped.split("\n"))
    while _PLACEHOLDER.search(drawn):
        drawn = _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], drawn)
    return drawn


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
    spaced = _BLOCK_END.sub(lambda m: m.group(0) + "\n", fragment.replace("<br>", "\n"))
    return html.unescape(_TAG.sub(" ", _INLINE_TAG.sub("", spaced)))


def _attrs(**values: Any) -> str:
    return "".join(
        f' {key.rstrip("_").replace("_", "-")}="{html.escape(str(value), quote=True)}"'
        for key, value in values.items()
        if value is not None
    )


def options(element: dict[str, Any]) -> list[dict[str, Any]]:
    """An element's options, those in option groups included."""
    found = list(element.get("options", []))
    for group in element.get("option_groups", []):
        found.extend(group.get("options", []))
    return found


def _confirm(element: dict[str, Any]) -> str | None:
    """A confirm dialog as the page draws it (JSON in `data-confirm`), or None."""
    confirm = element.get("confirm")
    if not isinstance(confirm, dict):
        return None
    return json.dumps(
        {
            "title": plain(confirm.get("title")) or "Are you sure?",
            "text": plain(confirm.get("text")),
            "confirm": plain(confirm.get("confirm")) or "Yes",
            "deny": plain(confirm.get("deny")) or "Cancel",
            "style": confirm.get("style", ""),
        }
    )


def _chosen(element: dict[str, Any], value: Any = None) -> set[str]:
    """What an element shows as chosen: `value` (what was typed or picked) if given,
    else its initial options, option, user or date."""
    if value is not None:
        return {str(item) for item in value} if isinstance(value, list) else {str(value)}
    chosen = {o["value"] for o in element.get("initial_options", [])}
    if element.get("initial_option"):
        chosen.add(element["initial_option"]["value"])
    for key in ("initial_user", "initial_conversation", "initial_date", "initial_time"):
        if element.get(key):
            chosen.add(element[key])
    chosen.update(element.get("initial_users", []))
    return chosen


def _select(
    element: dict[str, Any],
    names: Mapping[str, str],
    attrs: str,
    *,
    multiple: bool = False,
    value: Any = None,
) -> str:
    chosen = _chosen(element, value)
    if element["type"] in {"users_select", "multi_users_select"}:
        listed = [
            {"value": uid, "text": {"text": name}}
            for uid, name in names.items()
            if not name.startswith("#")
        ]
    elif element["type"] == "conversations_select":
        listed = [
            {"value": cid, "text": {"text": name}}
            for cid, name in names.items()
            if name.startswith("#")
        ]
    else:
        listed = options(element)
    parts = []
    if not multiple and not (chosen & {o["value"] for o in listed}):
        prompt = plain(element.get("placeholder")) or "Choose…"
        parts.append(f'<option value="">{html.escape(prompt)}</option>')
    for option in listed:
        selected = " selected" if option["value"] in chosen else ""
        parts.append(
            f'<option value="{html.escape(option["value"], quote=True)}"{selected}>'
            f"{html.escape(plain(option['text']))}</option>"
        )
    many = " multiple" if multiple else ""
    return f"<select{attrs}{many}>{''.join(parts)}</select>"


def _choices(
    element: dict[str, Any], names: Mapping[str, str], name: str, value: Any = None
) -> str:
    chosen = _chosen(element, value)
    box = "checkbox" if element["type"] == "checkboxes" else "radio"
    drawn = []
    for option in element.get("options", []):
        checked = " checked" if option["value"] in chosen else ""
        description = (
            f'<span class="sb-hint">{text_object(option["description"], names)}</span>'
            if option.get("description")
            else ""
        )
        drawn.append(
            f'<label class="sb-choice"><input type="{box}"'
            f"{_attrs(name=name, value=option['value'])}{checked}> "
            f"{text_object(option['text'], names)}{description}</label>"
        )
    return "".join(drawn)


def _button(element: dict[str, Any], block_id: str) -> str:
    attrs = _attrs(
        data_block=block_id,
        data_action=element.get("action_id", ""),
        data_confirm=_confirm(element),
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


_CONTROLS = {
    "static_select",
    "users_select",
    "multi_static_select",
    "multi_users_select",
    "conversations_select",
    "overflow",
    "datepicker",
    "timepicker",
    "radio_buttons",
    "checkboxes",
}


def interactive(element: dict[str, Any], block_id: str, names: Mapping[str, str]) -> str:
    """An element in an actions block or a section's accessory: a choice in it is sent
    to the bot at once (after its confirm dialog, if it has one)."""
    kind = element.get("type")
    if kind == "button":
        return _button(element, block_id)
    if kind == "image":
        return f'<span class="sb-image">[{html.escape(element.get("alt_text", "image"))}]</span>'
    if kind not in _CONTROLS:
        return f'<span class="sb-unsupported">[{html.escape(str(kind))}]</span>'
    attrs = _attrs(
        data_block=block_id,
        data_action=element.get("action_id", ""),
        data_kind=kind,
        data_confirm=_confirm(element),
        class_="sb-control",
        aria_label=plain(element.get("placeholder")) or None,
    )
    if kind == "overflow":
        menu = {**element, "placeholder": {"text": "⋯"}}
        return _select(menu, names, attrs.replace('class="', 'class="sb-overflow ', 1))
    if kind in {"datepicker", "timepicker"}:
        field = "date" if kind == "datepicker" else "time"
        initial = element.get(f"initial_{field}", "")
        return f'<input type="{field}"{attrs}{_attrs(value=initial)}>'
    if kind in {"radio_buttons", "checkboxes"}:
        name = f"{block_id}/{element.get('action_id', '')}"
        return f"<span{attrs}>{_choices(element, names, name)}</span>"
    return _select(element, names, attrs, multiple=kind.startswith("multi_"))


def _input(
    block: dict[str, Any], names: Mapping[str, str], error: str | None, value: Any = None
) -> str:
    """An input block; `value` is what the person typed or picked there, if anything."""
    element = block.get("element", {})
    kind = element.get("type")
    name = block.get("block_id", "")
    placeholder = plain(element.get("placeholder")) or None
    typed = value if isinstance(value, str) else None
    if kind == "plain_text_input":
        shown = html.escape(typed if typed is not None else element.get("initial_value", ""))
        limit = _attrs(maxlength=element.get("max_length"), placeholder=placeholder)
        if element.get("multiline"):
            field = f'<textarea{_attrs(name=name)} rows="3"{limit}>{shown}</textarea>'
        else:
            field = f'<input type="text"{_attrs(name=name)} value="{shown}"{limit}>'
    elif kind in {"number_input", "email_text_input", "url_text_input"}:
        kind_attr = {"number_input": "number", "email_text_input": "email"}.get(kind, "url")
        shown = typed if typed is not None else element.get("initial_value", "")
        field = (
            f'<input type="{kind_attr}" step="any"'
            f"{_attrs(name=name, value=shown, placeholder=placeholder)}>"
        )
    elif kind in {"datepicker", "timepicker"}:
        field_type = "date" if kind == "datepicker" else "time"
        shown = typed if typed is not None else element.get(f"initial_{field_type}", "")
        field = f'<input type="{field_type}"{_attrs(name=name, value=shown)}>'
    elif kind in {"static_select", "users_select", "conversations_select"}:
        field = _select(element, names, _attrs(name=name), value=value)
    elif kind in {"multi_static_select", "multi_users_select"}:
        field = _select(element, names, _attrs(name=name), multiple=True, value=value)
    elif kind in {"checkboxes", "radio_buttons"}:
        field = _choices(element, names, name, value)
    else:
        field = f'<span class="sb-unsupported">[{html.escape(str(kind))}]</span>'
    optional = ' <span class="sb-optional">(optional)</span>' if block.get("optional") else ""
    hint = (
        f'<div class="sb-hint">{text_object(block["hint"], names)}</div>'
        if block.get("hint")
        else ""
    )
    problem = f'<div class="sb-error" role="alert">{html.escape(error)}</div>' if error else ""
    holder = _attrs(
        data_block=name,
        data_type=kind,
        data_action=element.get("action_id"),
        data_dispatch="true" if block.get("dispatch_action") else None,
    )
    return (
        f'<div class="sb-input{" sb-invalid" if error else ""}"{holder}>'
        f'<label class="sb-label">{html.escape(plain(block.get("label")))}{optional}</label>'
        f"{field}{hint}{problem}</div>"
    )


def block(
    item: dict[str, Any],
    names: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
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
        return _input(item, names, (errors or {}).get(block_id), (values or {}).get(block_id))
    if kind == "image":
        return f'<div class="sb-image">[{html.escape(item.get("alt_text", "image"))}]</div>'
    return f'<div class="sb-unsupported">[{html.escape(str(kind))} block]</div>'


def blocks(
    items: list[dict[str, Any]],
    names: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    values: Mapping[str, Any] | None = None,
) -> str:
    """Blocks as drawn; in a modal, `errors` and `values` (what was typed) by block_id."""
    return "".join(block(item, names, errors, values) for item in items)


def size(length: int) -> str:
    if length < 1000:
        return f"{length} B"
    if length < 1_000_000:
        return f"{length / 1000:.1f} kB"
    return f"{length / 1_000_000:.1f} MB"


def shared_files(files: list[dict[str, Any]]) -> str:
    """Files shared in a message, each with a download button."""
    drawn = []
    for shared in files:
        name = str(shared.get("name", "file"))
        kind = name.rpartition(".")[2].upper() if "." in name else "FILE"
        drawn.append(
            f'<div class="sb-file"><span class="sb-file-kind">{html.escape(kind[:4])}</span>'
            f'<span class="sb-file-name">{html.escape(str(shared.get("title") or name))}</span>'
            f'<span class="sb-file-size">{size(int(shared.get("size", 0)))}</span>'
            f'<button type="button" class="sb-button sb-download"'
            f"{_attrs(data_file=shared.get('id', ''), data_name=name)}>Download</button></div>"
        )
    return f'<div class="sb-files">{"".join(drawn)}</div>' if drawn else ""


def message(content: dict[str, Any], names: Mapping[str, str]) -> str:
    """A message's blocks (or its text when it has none) and the files shared in it."""
    if content.get("blocks"):
        body = blocks(content["blocks"], names)
    elif content.get("text"):
        body = f'<div class="sb-text">{mrkdwn(content.get("text", ""), names)}</div>'
    else:
        body = ""
    return body + shared_files(content.get("files", []))
