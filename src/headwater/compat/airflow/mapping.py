"""Airflow import paths and the headwater names they stand for. A map, never logic."""

from __future__ import annotations

_DAG = {"DAG": "headwater.model.dag:DAG"}
_PYTHON = {
    "PythonOperator": "headwater.operators.python:PythonOperator",
    "BranchPythonOperator": "headwater.operators.python:BranchPythonOperator",
    "ShortCircuitOperator": "headwater.operators.python:ShortCircuitOperator",
    "get_current_context": "headwater.runtime.current:get_current_context",
}
_VENV = {
    "PythonVirtualenvOperator": "headwater.operators.python_virtualenv:PythonVirtualenvOperator",
    "BranchPythonVirtualenvOperator": "headwater.operators.python_virtualenv:BranchPythonVirtualenvOperator",
    "ExternalPythonOperator": "headwater.operators.external_python:ExternalPythonOperator",
    "BranchExternalPythonOperator": "headwater.operators.external_python:BranchExternalPythonOperator",
    "is_venv_installed": "headwater.operators.python_virtualenv:is_venv_installed",
}
_VENV_DECORATORS = {
    name: f"headwater.decorators:{name}"
    for name in ("virtualenv_task", "external_python_task", "branch_virtualenv_task", "branch_external_python_task")
}
_EMPTY = {
    "EmptyOperator": "headwater.operators.empty:EmptyOperator",
    "DummyOperator": "headwater.operators.empty:DummyOperator",
}
_BASH = {"BashOperator": "headwater.operators.bash:BashOperator"}
_EMAIL_OPERATOR = {"EmailOperator": "headwater.operators.email:EmailOperator"}
_EMAIL_UTILS = {
    "send_email": "headwater.runtime.alerts:send_email",
    "send_email_smtp": "headwater.runtime.alerts:send_email",
    "build_mime_message": "headwater.runtime.smtp:build_mime_message",
    "get_email_address_list": "headwater.runtime.smtp:get_email_address_list",
}
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
_DATES = {
    name: f"headwater.model.dates:{name}"
    for name in (
        "days_ago",
        "date_range",
        "round_time",
        "infer_time_unit",
        "scale_time_units",
        "cron_presets",
        "parse_execution_date",
        "datetime_to_nano",
    )
}
_TIMEZONE = {
    name: f"headwater.model.timezone:{name}"
    for name in (
        "utc",
        "TIMEZONE",
        "utc_epoch",
        "is_localized",
        "is_naive",
        "utcnow",
        "datetime",
        "make_aware",
        "make_naive",
        "convert_to_utc",
        "coerce_datetime",
        "parse",
        "parse_timezone",
        "local_timezone",
        "from_timestamp",
        "td_format",
    )
}
_WEEKDAY_ENUM = {"WeekDay": "headwater.model.weekday:WeekDay"}
_LITERAL = {"literal": "headwater.model.literal:literal", "LiteralValue": "headwater.model.literal:LiteralValue"}
_CONTEXT = {
    "Context": "headwater.runtime.context:Context",
    "get_current_context": "headwater.runtime.current:get_current_context",
}
_LOGGING_MIXIN = {"LoggingMixin": "headwater.model.logging_mixin:LoggingMixin"}
_TASK_INSTANCE = {"TaskInstance": "headwater.runtime.task_instance:RuntimeTaskInstance"}
_DAG_RUN = {"DagRun": "headwater.runtime.context:DagRunView"}
_EXCEPTIONS = {
    "AirflowException": "headwater.errors:HeadwaterError",
    "AirflowSkipException": "headwater.errors:SkipTask",
    "AirflowFailException": "headwater.errors:FailTask",
    "DuplicateTaskIdFound": "headwater.errors:DuplicateTaskIdError",
    "AirflowDagCycleException": "headwater.errors:CycleError",
    "RemovedInAirflow3Warning": "headwater.errors:RemovedInAirflow3Warning",
    "TaskNotFound": "headwater.errors:TaskNotFound",
}

MODULES: dict[str, dict[str, str]] = {
    "airflow": {
        **_DAG,
        **_DECORATORS,
        "AirflowException": "headwater.errors:HeadwaterError",
        "__version__": "headwater.compat.airflow.versions:AIRFLOW_VERSION",
    },
    "airflow.models": {**_DAG, **_BASEOP, **_XCOM, **_PARAM, **_XCOMARG, **_TASK_INSTANCE, **_DAG_RUN},
    "airflow.models.dagrun": _DAG_RUN,
    "airflow.models.dag": _DAG,
    "airflow.models.baseoperator": _BASEOP,
    "airflow.models.xcom": _XCOM,
    "airflow.models.param": _PARAM,
    "airflow.models.xcom_arg": _XCOMARG,
    "airflow.models.taskinstance": _TASK_INSTANCE,
    "airflow.operators": {},
    "airflow.operators.python": {**_PYTHON, **_VENV},
    "airflow.operators.python_operator": {
        **_PYTHON,
        "PythonVirtualenvOperator": _VENV["PythonVirtualenvOperator"],
    },
    "airflow.operators.empty": _EMPTY,
    "airflow.operators.dummy": _EMPTY,
    "airflow.operators.dummy_operator": _EMPTY,
    "airflow.operators.bash": _BASH,
    "airflow.operators.bash_operator": _BASH,
    "airflow.operators.email": _EMAIL_OPERATOR,
    "airflow.operators.email_operator": _EMAIL_OPERATOR,
    "airflow.operators.latest_only": _LATEST,
    "airflow.operators.branch": _BRANCH,
    "airflow.operators.datetime": _DATETIME,
    "airflow.operators.weekday": _WEEKDAY,
    "airflow.decorators": {**_DECORATORS, **_VENV_DECORATORS},
    "airflow.decorators.python_virtualenv": {"virtualenv_task": _VENV_DECORATORS["virtualenv_task"]},
    "airflow.decorators.external_python": {"external_python_task": _VENV_DECORATORS["external_python_task"]},
    "airflow.decorators.branch_virtualenv": {"branch_virtualenv_task": _VENV_DECORATORS["branch_virtualenv_task"]},
    "airflow.decorators.branch_external_python": {
        "branch_external_python_task": _VENV_DECORATORS["branch_external_python_task"]
    },
    "airflow.exceptions": _EXCEPTIONS,
    "airflow.utils": {},
    "airflow.utils.trigger_rule": _TRIGGER,
    "airflow.utils.task_group": _TASKGROUP,
    "airflow.utils.edgemodifier": _LABEL,
    "airflow.utils.state": _STATE,
    "airflow.utils.helpers": _CHAIN,
    "airflow.utils.decorators": {"apply_defaults": "headwater.model.baseoperator:apply_defaults"},
    "airflow.utils.dates": _DATES,
    "airflow.utils.email": _EMAIL_UTILS,
    "airflow.utils.timezone": _TIMEZONE,
    "airflow.utils.weekday": _WEEKDAY_ENUM,
    "airflow.utils.template": _LITERAL,
    "airflow.utils.context": _CONTEXT,
    "airflow.utils.log": {},
    "airflow.utils.log.logging_mixin": _LOGGING_MIXIN,
    "airflow.sdk": {
        **_DAG,
        **_DECORATORS,
        **_BASEOP,
        **_PARAM,
        **_TASKGROUP,
        **_LABEL,
        **_XCOMARG,
        **_TRIGGER,
        **_CONTEXT,
        **_WEEKDAY_ENUM,
        "literal": "headwater.model.literal:literal",
        "TaskInstanceState": "headwater.model.states:TaskState",
        "DagRunState": "headwater.model.states:DagRunState",
    },
    "airflow.sdk.exceptions": _EXCEPTIONS,
    "airflow.sdk.timezone": _TIMEZONE,
    "airflow.sdk.definitions": {},
    "airflow.sdk.definitions.context": _CONTEXT,
    "airflow.sdk.definitions.dag": {**_DAG, "dag": "headwater.model.dag:dag"},
    "airflow.sdk.definitions.baseoperator": _BASEOP,
    "airflow.sdk.definitions.param": _PARAM,
    "airflow.sdk.definitions.taskgroup": _TASKGROUP,
    "airflow.sdk.definitions.edges": _LABEL,
    "airflow.sdk.definitions.xcom_arg": _XCOMARG,
    "airflow.sdk.definitions.template": _LITERAL,
    "airflow.sdk.bases": {},
    "airflow.sdk.bases.operator": _BASEOP,
    "airflow.providers": {},
    "airflow.providers.standard": {},
    "airflow.providers.standard.operators": {},
    "airflow.providers.standard.operators.python": {**_PYTHON, **_VENV},
    "airflow.providers.standard.operators.empty": _EMPTY,
    "airflow.providers.standard.operators.bash": _BASH,
    "airflow.providers.standard.operators.latest_only": _LATEST,
    "airflow.providers.standard.operators.branch": _BRANCH,
    "airflow.providers.standard.operators.datetime": _DATETIME,
    "airflow.providers.standard.operators.weekday": _WEEKDAY,
    "airflow.providers.standard.utils": {},
    "airflow.providers.smtp": {},
    "airflow.providers.smtp.operators": {},
    "airflow.providers.smtp.operators.smtp": _EMAIL_OPERATOR,
    "airflow.providers.standard.decorators": {},
    "airflow.providers.standard.decorators.python_virtualenv": {"virtualenv_task": _VENV_DECORATORS["virtualenv_task"]},
    "airflow.providers.standard.decorators.external_python": {
        "external_python_task": _VENV_DECORATORS["external_python_task"]
    },
    "airflow.providers.standard.decorators.branch_virtualenv": {
        "branch_virtualenv_task": _VENV_DECORATORS["branch_virtualenv_task"]
    },
    "airflow.providers.standard.decorators.branch_external_python": {
        "branch_external_python_task": _VENV_DECORATORS["branch_external_python_task"]
    },
}

ALTERNATIVES: dict[str, str] = {
    "airflow.models.variable": "Variables come with a later headwater release; pass the value as a DAG "
    "param or in the run's conf meanwhile.",
    "airflow.models.Variable": "Variables come with a later headwater release; pass the value as a DAG "
    "param or in the run's conf meanwhile.",
    "airflow.sdk.Variable": "Variables come with a later headwater release; pass the value as a DAG "
    "param or in the run's conf meanwhile.",
    "airflow.models.connection": "Connections come with a later headwater release.",
    "airflow.sdk.Connection": "Connections come with a later headwater release.",
    "airflow.sdk.BaseHook": "Hooks come with a later headwater release; call the client library from a "
    "PythonOperator or @task meanwhile.",
    "airflow.sdk.BaseSensorOperator": "Sensors come with a later headwater release; poll from a @task that "
    "retries (retries=..., retry_delay=...) meanwhile.",
    "airflow.sdk.PokeReturnValue": "Sensors come with a later headwater release.",
    "airflow.sdk.Asset": "Assets come with a later headwater release; schedule on a cron or timedelta meanwhile.",
    "airflow.models.Connection": "Connections come with a later headwater release.",
    "airflow.hooks": "Hooks come with a later headwater release; call the client library from a "
    "PythonOperator or @task meanwhile.",
    "airflow.sensors": "Sensors come with a later headwater release; poll from a @task that retries "
    "(retries=..., retry_delay=...) meanwhile.",
    "airflow.providers.standard.sensors": "Sensors come with a later headwater release; poll from a @task "
    "that retries (retries=..., retry_delay=...) meanwhile.",
    "airflow.datasets": "Datasets come with a later headwater release; schedule on a cron or timedelta meanwhile.",
    "airflow.providers": "Provider packages are not served; call the service's client library from a "
    "PythonOperator or @task.",
    "airflow.operators.trigger_dagrun": "Cross-DAG operators come with a later headwater release.",
    "airflow.providers.standard.utils.python_virtualenv": "headwater builds and caches venvs itself; use "
    "PythonVirtualenvOperator or @task.virtualenv, or ExternalPythonOperator for a venv you built.",
    "airflow.utils.python_virtualenv": "headwater builds and caches venvs itself; use PythonVirtualenvOperator "
    "or @task.virtualenv, or ExternalPythonOperator for a venv you built.",
    "airflow.configuration": "headwater reads its own settings (headwater.toml, HEADWATER__SECTION__KEY); "
    "give a DAG what it needs through params or the environment.",
    "airflow.settings": "headwater does not expose its metadata database or settings to DAG files.",
    "airflow.utils.session": "headwater does not expose its metadata database to DAG files.",
    "airflow.operators.subdag": "SubDAGs were removed in Airflow 3; use airflow.utils.task_group.TaskGroup.",
}
"""For names headwater does not serve: what to use instead, keyed by the name or a module prefix."""
