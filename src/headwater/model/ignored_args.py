"""Arguments Airflow accepts that headwater takes but does not act on: each is kept on the object and
announced once per DAG with an ``IgnoredArgumentWarning``, so nothing an author wrote vanishes silently."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from headwater.errors import IgnoredArgumentWarning
from headwater.model.sites import definition_site

if TYPE_CHECKING:
    from headwater.model.dag import DAG

IGNORED_TASK_ARGS: Mapping[str, str] = {
    "sla": "SLA misses are not tracked and sla_miss_callback is never called",
    "executor_config": "the executor runs every task the same way",
    "executor": "every task runs on the configured [core] executor",
    "run_as_user": "tasks run as the worker's own user",
    "resources": "resources are not reserved",
    "inlets": "lineage is not recorded",
    "outlets": "datasets are not updated and lineage is not recorded",
    "ignore_first_depends_on_past": "depends_on_past applies from the first run",
    "wait_for_past_depends_before_skipping": "a skip is not delayed for depends_on_past",
}
"""Task arguments that change what Airflow does, with what headwater does instead."""

KEPT_TASK_ARGS = frozenset(
    {"task_display_name", "doc_json", "doc_yaml", "doc_rst", "map_index_template", "allow_nested_operators"}
)
"""Task arguments only Airflow's UI or its own warnings read: kept as attributes, without a warning."""

IGNORED_DAG_ARGS: Mapping[str, str] = {
    "sla_miss_callback": "SLA misses are not tracked, so it is never called",
    "access_control": "there are no per-DAG permissions",
    "fail_stop": "a failed task does not stop the other running tasks",
    "max_consecutive_failed_dag_runs": "the DAG is not paused after failed runs",
    "timetable": "only schedule= (cron, preset, timedelta, None, @once) decides the runs",
    "dataset_triggers": "datasets do not trigger runs",
}
"""DAG arguments that change what Airflow does, with what headwater does instead."""

KEPT_DAG_ARGS = frozenset(
    {"owner_links", "default_view", "orientation", "auto_register", "dag_display_name", "fileloc", "full_filepath"}
)
"""DAG arguments only Airflow's UI or its DAG processor read: kept as attributes, without a warning."""

_UNSET_VALUES: tuple[Any, ...] = (None, False, [], {}, ())


def announce_ignored(dag: DAG | None, task_id: str | None, given: Mapping[str, Any], table: Mapping[str, str]) -> None:
    """Warn once per DAG and argument about each ignored argument given a value that would change something
    in Airflow (``email_on_failure=False`` changes nothing, so it is not announced)."""
    site = definition_site()
    seen: set[str] = dag.__dict__.setdefault("_hw_ignored_announced", set()) if dag is not None else set()
    for name, value in given.items():
        if name not in table or name in seen or any(value is u or value == u for u in _UNSET_VALUES):
            continue
        seen.add(name)
        where = f"DAG {dag.dag_id!r}" if dag is not None else "a task outside any DAG"
        what = f"{where}, task {task_id!r}" if task_id is not None else where
        message = (
            f"{what}: headwater accepts {name}={value!r} but does not act on it ({table[name]}). Remove it, or "
            "keep it for Airflow; headwater says this once per DAG."
        )
        if site is None:
            warnings.warn(message, IgnoredArgumentWarning, stacklevel=3)
        else:
            warnings.warn_explicit(message, IgnoredArgumentWarning, site[0], site[1])
