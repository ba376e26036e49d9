"""Executors: where task instances run."""

from headwater.executors.base import Executor, WorkItem
from headwater.executors.inprocess import InProcessExecutor

__all__ = ["Executor", "InProcessExecutor", "WorkItem"]
