"""``literal(value)``: a template field value Jinja must pass through untouched."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LiteralValue:
    """Wraps a value so rendering hands it over as it is (``{{ x }}`` inside stays text)."""

    value: Any

    def resolve(self, context: Mapping[str, Any]) -> Any:
        """The wrapped value; the context is not consulted."""
        return self.value


def literal(value: Any) -> LiteralValue:
    """Mark ``value`` (a string, or a structure holding strings) as not to be rendered."""
    return LiteralValue(value)
