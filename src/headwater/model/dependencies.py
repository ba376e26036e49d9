"""The ``>>`` / ``<<`` operators and the helpers that wire many tasks at once."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any


class DependencyMixin:
    """Anything that can stand on either side of ``>>`` and ``<<``: tasks, groups, XComArgs, labels."""

    def set_upstream(self, other: Any) -> None:
        raise NotImplementedError

    def set_downstream(self, other: Any) -> None:
        raise NotImplementedError

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> Any:
        """``[a, b] >> self``."""
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> Any:
        """``[a, b] << self``."""
        self.set_downstream(other)
        return self


def as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    return [value]


def chain(*elements: Any) -> None:
    """Wire elements one after another; neighbouring lists must have equal length (pairwise)."""
    for up, down in itertools.pairwise(elements):
        up_is_seq = isinstance(up, Sequence) and not isinstance(up, str)
        down_is_seq = isinstance(down, Sequence) and not isinstance(down, str)
        if up_is_seq and down_is_seq:
            if len(up) != len(down):
                raise ValueError(
                    f"chain() got lists of different lengths next to each other ({len(up)} and {len(down)}); "
                    "pair them up one to one, or use cross_downstream() to connect every pair."
                )
            for u, d in zip(up, down, strict=True):
                u.set_downstream(d)
        elif up_is_seq:
            for u in up:
                u.set_downstream(down)
        else:
            up.set_downstream(down)


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Any) -> None:
    """Make every task in ``from_tasks`` upstream of every task in ``to_tasks``."""
    for task in from_tasks:
        task.set_downstream(to_tasks)


def chain_linear(*elements: Any) -> None:
    """Like chain, but every element of one list connects to every element of the next."""
    if len(elements) < 2:
        raise ValueError("chain_linear() needs at least two elements to connect.")
    for up, down in itertools.pairwise(elements):
        for u in as_list(up):
            u.set_downstream(down)
