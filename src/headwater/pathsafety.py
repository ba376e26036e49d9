"""Paths built from ids stay inside their folder.

DAG, run and task ids become parts of paths: a try's log file, an offloaded XCom object, the log
folder ``db clean`` removes. Ids are checked where they enter (``headwater.model.ids``), but rows
written before that check, or straight into the database, were not. So every such path is built
here, from parts that must each name one entry of the folder they are joined to, and a path that
would leave its root is refused: nothing is written, read or removed there.

The check is on the path the ids make, not on links inside the root: those are the owner's own.

A valid id can still be longer than a file name may be (250 characters of Unicode, with its
``task_id=`` prefix): such a part is shortened, keeping its start and adding a digest of the whole,
so every id that passes its check has a place on disk, the same in every process.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from headwater.errors import UnsafePath

NAME_MAX = 255
"""The bytes one file name may have on the filesystems headwater runs on (ext4, xfs, APFS...)."""


def plain_name(part: str, *, what: str, max_bytes: int | None = NAME_MAX) -> str:
    """``part`` if it can only name one entry of the folder it is joined to; else :class:`UnsafePath`
    saying which part of ``what`` (say, "the log of DAG 'd', run 'r'") is wrong and why."""
    problem = _problem(part, max_bytes)
    if problem is not None:
        raise UnsafePath(
            f"Refused to use a path for {what}: its part {_shown(part)} {problem}. The id was stored without "
            "being checked (before headwater checked ids, or written straight to the database); nothing is "
            "written, read or removed there."
        )
    return part


def fit_name(name: str) -> str:
    """``name`` if a file name may be that long; else its start, cut at a character, then ``~`` and the first
    16 hex digits of its SHA-256 (distinct names stay distinct)."""
    encoded = name.encode("utf-8", "surrogatepass")
    if len(encoded) <= NAME_MAX:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    start = encoded[: NAME_MAX - len(digest) - 1].decode("utf-8", "ignore")
    return f"{start}~{digest}"


def inside(root: Path, *parts: str, what: str) -> Path:
    """``root`` joined with ``parts``, each a plain name (see :func:`plain_name`; one too long for a file
    name is shortened by :func:`fit_name`), so the path stays in ``root``."""
    for part in parts:
        plain_name(part, what=what, max_bytes=None)
    path = root.joinpath(*(fit_name(part) for part in parts))
    base = os.path.normpath(os.path.abspath(root))
    if os.path.commonpath([base, os.path.normpath(os.path.abspath(path))]) != base:  # cannot happen after the above
        raise UnsafePath(f"Refused to use a path for {what}: {path} is outside {root}.")
    return path


def _problem(part: str, max_bytes: int | None) -> str | None:
    if not isinstance(part, str):
        return f"is a {type(part).__name__}, not a name"
    if part in ("", ".", ".."):
        return "is empty" if not part else f"is {part!r}, which names a folder, not an entry in it"
    for char in ("\x00", "/", os.sep, os.altsep):
        if char and char in part:
            why = "no path may hold it" if char == "\x00" else "it would make the part several folders"
            return f"contains {char!r} (at position {part.index(char)}): {why}"
    size = len(part.encode("utf-8", "surrogatepass"))
    if max_bytes is not None and size > max_bytes:
        return f"is {size} bytes long, more than the {max_bytes} a file name may have"
    return None


def _shown(part: object) -> str:
    text = repr(part)
    return text if len(text) <= 80 else text[:77] + "…"
