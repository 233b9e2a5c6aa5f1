"""A built glossary index saved as bytes, so that the next process loads it rather than building it.

Building the index for 50,000 entries takes seconds of pure Python (every name's forms, one-edit
deletions, word lists, search postings); reading it back with ``marshal`` takes about a quarter of a
second. The store keeps the bytes beside the glossary version they were built from
(``store.glossary_repo.index_snapshot``), so a saved index is only ever used for the glossary it
was made of, and ``fingerprint()`` ties it to the code that made it: a change to how the index is
built, or another Python, and the saved bytes are simply not used.

``marshal`` rather than ``pickle``: reading it back never runs code, so bytes in the database cannot
become a way to execute anything in the bot. The state holds only strings, integers, bytes, tuples,
lists, dicts and frozensets (``GlossaryIndex.state``).
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import sys
from array import array
from functools import cache
from pathlib import Path

from glossary.index import GlossaryIndex

#: bump when the state's layout changes in a way the source hash below would not show
FORMAT = 1


@cache
def fingerprint() -> str:
    """What a saved index must have been made by to be used: this code, this Python, this machine's
    byte order and integer size (the postings are raw 4-byte arrays)."""
    digest = hashlib.sha256()
    digest.update(
        f"{FORMAT} {sys.version_info[:2]} {marshal.version} {sys.byteorder} {array('I').itemsize}".encode()
    )
    # every module of the glossary engine, not only those known today to shape the index
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + module.read_bytes())
    return digest.hexdigest()


def dumps(index: GlossaryIndex) -> bytes:
    return marshal.dumps(index.state())


def loads(data: bytes) -> GlossaryIndex:
    """The index saved as ``data``; ValueError when the bytes are not one (damaged, or another layout)."""
    # Millions of objects arrive at once and none of them can be garbage yet: without the cyclic
    # collector's passes over them, reading takes half the time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        state = marshal.loads(data)
        if not isinstance(state, dict):
            raise TypeError(type(state).__name__)
        return GlossaryIndex.from_state(state)
    except (EOFError, TypeError, KeyError, ValueError) as error:
        raise ValueError(f"not a saved glossary index: {error!r}") from error
    finally:
        if collecting:
            gc.enable()
