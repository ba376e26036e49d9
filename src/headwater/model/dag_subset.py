"""``DAG.partial_subset``: a copy of a DAG cut down to some tasks and, as asked, their relatives."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from headwater.model.dag import DAG


def subset_of(
    dag: DAG,
    task_ids_or_regex: str | re.Pattern[str] | Iterable[str],
    include_downstream: bool,
    include_upstream: bool,
    include_direct_upstream: bool,
) -> DAG:
    """The copy Airflow's ``partial_subset`` returns; the original DAG and its tasks are left untouched.

    A string or compiled pattern is searched in each task id (``re.search``, as Airflow's ``findall``); any
    other iterable lists task ids. Tasks are copied, so the copy's dependencies can be cut to the subset."""
    if isinstance(task_ids_or_regex, str | re.Pattern):
        pattern = re.compile(task_ids_or_regex)
        matched = [tid for tid in dag.task_dict if pattern.search(tid)]
    else:
        wanted = set(task_ids_or_regex)
        matched = [tid for tid in dag.task_dict if tid in wanted]
    keep: set[str] = set(matched)
    for tid in matched:
        if include_downstream:
            keep |= dag.reachable(tid, upstream=False)
        if include_upstream:
            keep |= dag.reachable(tid, upstream=True)
    if include_direct_upstream:
        keep |= {up for tid in list(keep) for up in dag.task_dict[tid].upstream_task_ids}
    subset = copy.copy(dag)
    subset._reachable_cache = {}
    subset.edge_info = {
        up: {down: info for down, info in downs.items() if down in keep}
        for up, downs in dag.edge_info.items()
        if up in keep
    }
    subset.task_dict = {}
    for tid, task in dag.task_dict.items():
        if tid in keep:
            clone = copy.copy(task)
            clone.upstream_task_ids = task.upstream_task_ids & keep
            clone.downstream_task_ids = task.downstream_task_ids & keep
            clone.dag = subset
            subset.task_dict[tid] = clone
    return subset
