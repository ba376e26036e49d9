"""``get_current_context()``: the context of the task running in this thread."""

from __future__ import annotations

import contextvars
from typing import Any

_CURRENT: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("headwater_context", default=None)


def set_current_context(context: dict[str, Any] | None) -> contextvars.Token[dict[str, Any] | None]:
    return _CURRENT.set(context)


def reset_current_context(token: contextvars.Token[dict[str, Any] | None]) -> None:
    _CURRENT.reset(token)


def get_current_context() -> dict[str, Any]:
    """The running task's context; raises outside a running task."""
    context = _CURRENT.get()
    if context is None:
        raise RuntimeError(
            "get_current_context() was called outside a running task. Call it from a task's callable, "
            "or accept the context as keyword arguments."
        )
    return context
