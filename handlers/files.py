"""Files people share with the bot: what Slack says of one (files.info) and its content,
downloaded from its url_private with the workspace's bot token.

The file is asked for by id, never taken from the event: files.info answers only for a
file the bot can see in that workspace. The download goes only to Slack itself (the
configured Web API's host, or its `files.` host, as https://slack.com/api/ has
https://files.slack.com), with the client's own timeout, proxy, TLS context and headers,
so the token never leaves for anywhere else. Slack answers a request it will not serve
with a redirect to its sign-in page; that is not followed.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

logger = logging.getLogger(__name__)

_HINTS = {
    "missing_scope": "the app needs the files:read scope; reinstall it from the manifest",
    "file_not_found": "Slack says the file is gone or the bot cannot see it",
    "file_deleted": "the file was deleted",
}


class FileUnavailable(Exception):
    """Slack would not give the bot the file; the message says why, in plain words."""


@dataclass(frozen=True)
class SharedFile:
    id: str
    name: str
    size: int
    url: str
    external: bool


def shared_file(client: WebClient, file_id: str) -> SharedFile:
    """What Slack says of the file (files.info)."""
    try:
        info: dict[str, Any] = client.files_info(file=file_id)["file"]
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        raise FileUnavailable(_HINTS.get(code, f"Slack answered {code}")) from None
    except (SlackClientError, OSError) as error:
        logger.warning("files.info failed: %s", type(error).__name__)
        raise FileUnavailable("Slack could not be reached just now") from None
    return SharedFile(
        id=str(info.get("id") or file_id),
        name=str(info.get("name") or info.get("title") or ""),
        size=int(info.get("size") or 0),
        url=str(info.get("url_private") or ""),
        external=bool(info.get("is_external")) or info.get("mode") == "external",
    )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _slack_hosts(base_url: str) -> tuple[str, set[str]]:
    """The scheme and the hosts (with port) Slack serves files from, by its API's URL."""
    api = urllib.parse.urlsplit(base_url)
    return api.scheme, {api.netloc, f"files.{api.netloc}"}


def _opener(client: WebClient) -> urllib.request.OpenerDirector:
    """Requests as the client makes them (its TLS context and proxy), redirects refused."""
    handlers: list[urllib.request.BaseHandler] = [
        _NoRedirects(),
        urllib.request.HTTPSHandler(context=client.ssl),
    ]
    if client.proxy:
        handlers.append(urllib.request.ProxyHandler({"http": client.proxy, "https": client.proxy}))
    return urllib.request.build_opener(*handlers)


def download(client: WebClient, url: str, limit: int) -> bytes:
    """The file at `url` (a url_private), at most `limit` bytes (one more is read, so the
    caller can tell a file that is too long)."""
    scheme, hosts = _slack_hosts(client.base_url)
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != scheme or parts.netloc not in hosts:
        logger.warning("Refused to download a file from outside Slack (%s)", parts.netloc)
        raise FileUnavailable("the file is not hosted by Slack")
    request = urllib.request.Request(
        url, headers={**client.headers, "Authorization": f"Bearer {client.token}"}
    )
    try:
        with _opener(client).open(request, timeout=client.timeout) as response:
            return response.read(limit + 1)
    except urllib.error.HTTPError as error:
        error.close()
        if 300 <= error.code < 400:
            raise FileUnavailable(
                "Slack would not let the bot download it (the app may need the files:read "
                "scope; reinstall it from the manifest)"
            ) from None
        raise FileUnavailable(f"Slack answered {error.code} to the download") from None
    except (urllib.error.URLError, OSError) as error:
        logger.warning("Downloading a shared file failed: %s", type(error).__name__)
        raise FileUnavailable("Slack could not be reached just now") from None
