"""Display names for one report, looked up through ``users.info`` and then forgotten.

A file shared beyond Slack names people, not Slack IDs. The names are fetched when the report is made,
held only while it is rendered (one lookup per person per report), and never stored or logged.
Anything that goes wrong (no ``users:read`` scope, a revoked token, Slack unreachable) leaves the
person as the service described them ("a TVP member"): a report is never refused for want of a name.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger("csp_bot.display_names")

#: errors that will be the same for every person: stop asking
_GIVE_UP = frozenset(
    {"missing_scope", "not_allowed_token_type", "invalid_auth", "not_authed", "account_inactive",
     "token_revoked", "ratelimited", "team_access_not_granted"}
)  # fmt: skip
_LONGEST = 80  # Slack allows 80 characters for a display name


def display_names(client: WebClient | None, user_ids: Iterable[str]) -> dict[str, str]:
    """user ID -> display name (else real name) for those Slack will tell us about."""
    names: dict[str, str] = {}
    if client is None:
        return names
    for user_id in sorted(set(user_ids)):
        try:
            user = client.users_info(user=user_id).get("user") or {}
        except SlackApiError as error:
            code = str(error.response.get("error", "")) if error.response is not None else ""
            if code in _GIVE_UP or not code:
                log.info("display names: users.info refused (%s); people appear by role", code or "error")
                break
            continue  # user_not_found and the like: this one person stays as their role
        except Exception as error:  # the network: the same for everyone after this
            log.info("display names: users.info failed (%s); people appear by role", type(error).__name__)
            break
        if user.get("deleted") or user.get("is_bot"):
            continue
        profile = user.get("profile") or {}
        name = " ".join(
            str(
                profile.get("display_name") or profile.get("real_name") or user.get("real_name") or ""
            ).split()
        )
        if name:
            names[user_id] = name[:_LONGEST]
    return names
