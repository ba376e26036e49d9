"""Airflow import paths and the headwater names they stand for. A map, never logic."""

from __future__ import annotations

_DAG = {"DAG": "headwater.model.dag:DAG"}
_PYTHON = {
    "PythonOperator": "headwater.operators.python:PythonOperator",
    "BranchPythonOperator": "headwater.operators.python:BranchPythonOperator",
    "ShortCircuitOperator": "headwater.operators.python:ShortCircuitOperator",
    "get_current_context": "headwater.runtime.current:get_current_context",
}
_EMPTY = {
    "EmptyOperator": "headwater.operators.empty:EmptyOperator",
    "DummyOperator": "headwater.operators.empty:DummyOperator",
}
_BASH = {"BashOperator": "headwater.operators.bash:BashOperator"}
_LATEST = {"LatestOnlyOperator": "headwater.operators.branch:LatestOnlyOperator"}
_BRANCH = {
    "BaseBranchOperator": "headwater.operators.branch:BaseBranchOperator",
    "BranchMixIn": "headwater.operators.branch:BranchMixIn",
}
_DATETIME = {"BranchDateTimeOperator": "headwater.operators.branch:BranchDateTimeOperator"}
_WEEKDAY = {"BranchDayOfWeekOperator": "headwater.operators.branch:BranchDayOfWeekOperator"}
_DECORATORS = {
    "dag": "headwater.model.dag:dag",
    "task": "headwater.decorators:task",
    "task_group": "headwater.decorators:task_group",
    "setup": "headwater.decorators:setup",
    "teardown": "headwater.decorators:teardown",
}
_CHAIN = {
    "chain": "headwater.model.dependencies:chain",
    "chain_linear": "headwater.model.dependencies:chain_linear",
    "cross_downstream": "headwater.model.dependencies:cross_downstream",
}
_BASEOP = {"BaseOperator": "headwater.model.baseoperator:BaseOperator", **_CHAIN}
_XCOM = {
    "BaseXCom": "headwater.store.xcom.base:BaseXCom",
    "XCom": "headwater.store.xcom.base:XCom",
    "XCOM_RETURN_KEY": "headwater.store.xcom.base:XCOM_RETURN_KEY",
}
_PARAM = {"Param": "headwater.model.params:Param", "ParamsDict": "headwater.model.params:ParamsDict"}
_TASKGROUP = {"TaskGroup": "headwater.model.taskgroup:TaskGroup"}
_LABEL = {"Label": "headwater.model.labels:Label"}
_TRIGGER = {"TriggerRule": "headwater.model.trigger_rule:TriggerRule"}
_STATE = {
    "TaskInstanceState": "headwater.model.states:TaskState",
    "DagRunState": "headwater.model.states:DagRunState",
    "State": "headwater.model.states:TaskState",
}
_XCOMARG = {"XComArg": "headwater.model.xcomarg:XComArg"}

MODULES: dict[str, dict[str, str]] = {
    "airflow": {**_DAG, **_DECORATORS, "__version__": "headwater.compat.airflow.versions:AIRFLOW_VERSION"},
    "airflow.models": {**_DAG, **_BASEOP, **_XCOM, **_PARAM, **_XCOMARG},
    "airflow.models.dag": _DAG,
    "airflow.models.baseoperator": _BASEOP,
    "airflow.models.xcom": _XCOM,
    "airflow.models.param": _PARAM,
    "airflow.models.xcom_arg": _XCOMARG,
    "airflow.operators": {},
    "airflow.operators.python": _PYTHON,
    "airflow.operators.python_operator": _PYTHON,
    "airflow.operators.empty": _EMPTY,
    "airflow.operators.dummy": _EMPTY,
    "airflow.operators.dummy_operator": _EMPTY,
    "airflow.operators.bash": _BASH,
    "airflow.operators.bash_operator": _BASH,
    "airflow.operators.latest_only": _LATEST,
    "airflow.operators.branch": _BRANCH,
    "airflow.operators.datetime": _DATETIME,
    "airflow.operators.weekday": _WEEKDAY,
    "airflow.decorators": _DECORATORS,
    "airflow.exceptions": {
        "AirflowException": "headwater.errors:HeadwaterError",
        "AirflowSkipException": "headwater.errors:SkipTask",
        "AirflowFailException": "headwater.errors:FailTask",
        "DuplicateTaskIdFound": "headwater.errors:DuplicateTaskIdError",
        "AirflowDagCycleException": "headwater.errors:CycleError",
        "RemovedInAirflow3Warning": "headwater.errors:RemovedInAirflow3Warning",
        "TaskNotFound": "headwater.errors:TaskNotFound",
    },
    "airflow.utils": {},
    "airflow.utils.trigger_rule": _TRIGGER,
    "airflow.utils.task_group": _TASKGROUP,
    "airflow.utils.edgemodifier": _LABEL,
    "airflow.utils.state": _STATE,
    "airflow.utils.helpers": _CHAIN,
    "airflow.sdk": {
        **_DAG,
        **_DECORATORS,
        **_BASEOP,
        **_PARAM,
        **_TASKGROUP,
        **_LABEL,
        **_XCOMARG,
        **_TRIGGER,
        "get_current_context": "headwater.runtime.current:get_current_context",
    },
    "airflow.providers": {},
    "airflow.providers.standard": {},
    "airflow.providers.standard.operators": {},
    "airflow.providers.standard.operators.python": _PYTHON,
    "airflow.providers.standard.operators.empty": _EMPTY,
    "airflow.providers.standard.operators.bash": _BASH,
    "airflow.providers.standard.operators.latest_only": _LATEST,
    "airflow.providers.standard.operators.branch": _BRANCH,
    "airflow.providers.standard.operators.datetime": _DATETIME,
    "airflow.providers.standard.operators.weekday": _WEEKDAY,
    "airflow.providers.standard.utils": {},
}
