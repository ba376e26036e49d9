"""Where in the DAG author's code something was defined, for messages and lint findings."""

from __future__ import annotations

import os
import sys

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def definition_site() -> tuple[str, int] | None:
    """``(file, line)`` of the first frame outside headwater: the DAG author's line."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back  # type: ignore[assignment]
    return (frame.f_code.co_filename, frame.f_lineno) if frame is not None else None
