"""The guard in front of Bolt refuses exactly the bodies Bolt cannot parse into an object, though it
parses only those that could fail (JSON: a JSON body, or a form's ``payload``)."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_bolt.request import BoltRequest

from bot.runtime.server import _admit

CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    None,
]

# form fields, JSON fragments and the words the guard looks for, mixed with anything at all
_pieces = st.sampled_from(
    ["payload=", "payload", "%7B", "{", "}", '"a":1', "[1]", "text=", "&", "=", "command=%2Fcsp", "json", "%"]
)
bodies = st.one_of(
    st.text(max_size=80), st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=8).map("".join)
)


def _bolt_parses_to_an_object(text: str, content_type: str | None) -> bool:
    headers = {"content-type": content_type} if content_type else {}
    try:
        return isinstance(BoltRequest(body=text, headers=headers).body, dict)
    except ValueError:  # json.JSONDecodeError is a ValueError
        return False
    except (AttributeError, TypeError):  # a JSON value that is no object, met by Bolt's context building
        return False


@settings(max_examples=400, deadline=None)
@given(text=bodies, content_type=st.sampled_from(CONTENT_TYPES))
def test_the_guard_refuses_a_body_exactly_when_bolt_cannot_parse_it(
    text: str, content_type: str | None
) -> None:
    raw = text.encode()
    environ: dict[str, Any] = {"wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))}
    if content_type:
        environ["CONTENT_TYPE"] = content_type
    refused = _admit(environ, None) is not None
    assert refused == (not _bolt_parses_to_an_object(text, content_type))
