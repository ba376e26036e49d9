"""headwater: Airflow's authoring model and semantics, a fraction of its overhead.

The names a DAG author needs are importable from here; they load on first use so the command line
starts fast.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "DAG": "headwater.model.dag",
    "dag": "headwater.model.dag",
    "BaseOperator": "headwater.model.baseoperator",
    "TaskGroup": "headwater.model.taskgroup",
    "Label": "headwater.model.labels",
    "Param": "headwater.model.params",
    "TriggerRule": "headwater.model.trigger_rule",
    "TaskState": "headwater.model.states",
    "DagRunState": "headwater.model.states",
    "XComArg": "headwater.model.xcomarg",
    "chain": "headwater.model.dependencies",
    "chain_linear": "headwater.model.dependencies",
    "cross_downstream": "headwater.model.dependencies",
    "task": "headwater.decorators",
    "task_group": "headwater.decorators",
    "setup": "headwater.decorators",
    "teardown": "headwater.decorators",
    "EmptyOperator": "headwater.operators",
    "PythonOperator": "headwater.operators",
    "BranchPythonOperator": "headwater.operators",
    "ShortCircuitOperator": "headwater.operators",
    "LatestOnlyOperator": "headwater.operators",
    "BashOperator": "headwater.operators",
    "BaseBranchOperator": "headwater.operators",
    "BranchDateTimeOperator": "headwater.operators",
    "BranchDayOfWeekOperator": "headwater.operators",
    "SkipTask": "headwater.errors",
    "FailTask": "headwater.errors",
    "BaseXCom": "headwater.store.xcom",
}

__all__ = [
    "DAG",
    "BaseBranchOperator",
    "BaseOperator",
    "BaseXCom",
    "BashOperator",
    "BranchDateTimeOperator",
    "BranchDayOfWeekOperator",
    "BranchPythonOperator",
    "DagRunState",
    "EmptyOperator",
    "FailTask",
    "Label",
    "LatestOnlyOperator",
    "Param",
    "PythonOperator",
    "ShortCircuitOperator",
    "SkipTask",
    "TaskGroup",
    "TaskState",
    "TriggerRule",
    "XComArg",
    "__version__",
    "chain",
    "chain_linear",
    "cross_downstream",
    "dag",
    "setup",
    "task",
    "task_group",
    "teardown",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'headwater' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
