"""People in files: a display name where the sender looked one up, else who they are in the partnership.

Pure: the Slack handler resolves names (``users.info``) for one report and passes them in; nothing here
stores or fetches them. A name never replaces the role words entirely, so a reader still sees the
organisation ("Sam Patel (TVP member)").
"""

from __future__ import annotations

from collections.abc import Mapping

#: user ID -> display name, looked up for one report and then forgotten
Names = Mapping[str, str]


def person_words(words: str, name: str | None) -> str:
    """``words`` is what the service knows ("a TVP member", "the plan"); ``name`` the looked-up name."""
    if not name:
        return words
    return f"{name} ({words.removeprefix('a ').removeprefix('an ')})"


def named_people(people: Mapping[str, str], names: Names | None) -> dict[str, str]:
    """Each user ID the report mentions, as the words to print."""
    names = names or {}
    return {user_id: person_words(words, names.get(user_id)) for user_id, words in people.items()}
