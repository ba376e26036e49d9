"""Every error headwater raises, in one tree.

    HeadwaterError
    ├── DagDefinitionError (ValueError)        a DAG that cannot be built as written
    │   ├── CycleError                         the dependencies loop
    │   ├── DuplicateTaskIdError               two tasks share an id
    │   ├── InvalidId                          a DAG, task or group id breaking Airflow's key rules
    │   └── UnknownTriggerRule                 a trigger rule that does not exist
    ├── DagNotFound (LookupError)              no DAG with that id in the file or folder
├── TaskNotFound (KeyError)                ``dag.get_task`` of an id the DAG lacks (Airflow's TaskNotFound)
    ├── DagImportError (ImportError)           a DAG file raised while being imported
    ├── NotServedModule (ModuleNotFoundError)  a DAG file imports an Airflow module headwater does not serve
    ├── NotServedName (ImportError)            a DAG file imports an Airflow name headwater does not serve
    ├── NotServedAttribute (AttributeError)    a DAG file reads such a name as a module attribute
    ├── BadRunConf (ValueError)                ``--conf`` is not a JSON object, or fails the params schema
    │   └── ConfTooLarge                       a run conf above ``[core] max_conf_bytes``
    ├── InvalidRunId (ValueError)              a run id not matching ``[scheduler] allowed_run_id_pattern``
    ├── UnsafePath (ValueError)                a path built from an id that would leave its folder
    ├── ConfigError (ValueError)               a setting that cannot be used
    └── TaskError                              raised inside a task run (fails the task)
        ├── UnknownBranchTarget (ValueError)   a branch returned an id that is no task of the DAG
        ├── XComSerializationError (TypeError) an XCom value the serializer cannot store
        ├── XComNotFound (KeyError)            an argument names an XCom key that was never pushed
        ├── NotServedInTemplate                a template reads an Airflow name headwater does not serve
        ├── EmailError (OSError)               an e-mail could not be sent (SMTP unreachable or refusing)
        ├── SkipTask                           the task asks to be skipped (AirflowSkipException)
        └── FailTask                           the task fails now, no retry (AirflowFailException)

Warnings: ``RemovedInAirflow3Warning`` (DeprecationWarning) for what Airflow 2 deprecates, and
``IgnoredArgumentWarning`` (UserWarning) for an argument Airflow accepts that headwater does not act on.

Each message names the DAG, the task, what happened and the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence


class HeadwaterError(Exception):
    """Base of every error headwater raises on purpose."""


class DagDefinitionError(HeadwaterError, ValueError):
    """Raised when a DAG cannot be built the way it is written."""


class CycleError(DagDefinitionError):
    """Raised when a DAG's dependencies form a cycle."""

    def __init__(self, dag_id: str, cycle: Sequence[str]) -> None:
        self.dag_id, self.cycle = dag_id, list(cycle)
        path = " >> ".join([*cycle, cycle[0]])
        super().__init__(
            f"DAG {dag_id!r} has a cycle: {path}. Remove one of these dependencies so the tasks can be ordered."
        )


class DuplicateTaskIdError(DagDefinitionError):
    """Raised when a second task (or task group) is added with an id the DAG already has."""

    def __init__(self, dag_id: str, task_id: str, *, kind: str = "task") -> None:
        self.dag_id, self.task_id = dag_id, task_id
        super().__init__(
            f"DAG {dag_id!r} already has a {kind} {task_id!r}. Task and group ids must be unique within a DAG: "
            "rename one of them."
        )


class InvalidId(DagDefinitionError):
    """Raised when a DAG, task or task-group id breaks Airflow's key rules (characters, length)."""


class UnknownTriggerRule(DagDefinitionError):
    """Raised when a task names a trigger rule that does not exist."""

    def __init__(self, dag_id: str | None, task_id: str, rule: str) -> None:
        from headwater.model.trigger_rule import TriggerRule

        self.dag_id, self.task_id, self.rule = dag_id, task_id, rule
        valid = sorted(TriggerRule.all_triggers())
        close = difflib.get_close_matches(rule, valid, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        super().__init__(
            f"DAG {dag_id!r}, task {task_id!r}: unknown trigger rule {rule!r}.{hint} Valid rules: {', '.join(valid)}."
        )


class DagNotFound(HeadwaterError, LookupError):
    """Raised when no DAG with the requested id was found."""

    def __init__(self, dag_id: str, where: str, available: Iterable[str]) -> None:
        self.dag_id = dag_id
        names = sorted(available)
        listing = ", ".join(repr(n) for n in names) if names else "none"
        super().__init__(f"No DAG {dag_id!r} in {where}. DAGs found there: {listing}.")

    @classmethod
    def several(cls, where: str, names: str) -> DagNotFound:
        """The error for a file or folder holding several DAGs when none was picked."""
        error = cls.__new__(cls)
        error.dag_id = ""
        HeadwaterError.__init__(error, f"{where} holds several DAGs ({names}); pick one with --dag-id.")
        return error

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])


class DagImportError(HeadwaterError, ImportError):
    """Raised (or recorded) when a DAG file fails to import."""

    def __init__(self, filename: str, detail: str) -> None:
        self.filename_, self.detail = filename, detail
        super().__init__(f"DAG file {filename} failed to import:\n{detail}")


class BadRunConf(HeadwaterError, ValueError):
    """Raised when a run's ``conf`` is not usable."""


class ConfTooLarge(BadRunConf):
    """Raised where a run conf enters (trigger, test, backfill) when its JSON is above the limit: a run's conf
    is read into the scheduler's memory and every worker's context, so it must stay small."""

    def __init__(self, dag_id: str, size: int, limit: int) -> None:
        self.dag_id, self.size, self.limit = dag_id, size, limit
        super().__init__(
            f"DAG {dag_id!r}: the run conf is {size:,} bytes as JSON, above the limit of {limit:,} bytes "
            "([core] max_conf_bytes); no run was created. Pass large data by reference (a path or URL the tasks "
            "read) or raise the limit with HEADWATER__CORE__MAX_CONF_BYTES."
        )


class InvalidRunId(HeadwaterError, ValueError):
    """Raised when a run id given by a person breaks ``[scheduler] allowed_run_id_pattern`` or is too long."""


class UnsafePath(HeadwaterError, ValueError):
    """Raised when a path built from stored ids (a log folder, an XCom object) would leave its folder, or is
    one no filesystem can hold."""


class ConfigError(HeadwaterError, ValueError):
    """Raised when a configuration value cannot be used."""


class NotServedModule(HeadwaterError, ModuleNotFoundError):
    """An ``airflow.*`` module headwater does not serve; an ImportError, so ``try/except ImportError``
    fallbacks in DAG files keep working."""


class NotServedName(HeadwaterError, ImportError):
    """A name of a served ``airflow.*`` module that headwater does not serve (also an ImportError)."""


class NotServedAttribute(HeadwaterError, AttributeError):
    """The same, read as an attribute (``airflow.models.Variable``): an AttributeError, so ``hasattr`` and
    ``getattr(module, name, default)`` feature checks keep working."""


class TaskError(HeadwaterError):
    """Base of errors raised while a task instance runs."""


class NotServedInTemplate(TaskError):
    """A template reads an Airflow context name headwater does not serve yet (``var``, ``conn``)."""


class EmailError(TaskError, OSError):
    """Raised when an e-mail cannot be sent: the SMTP server is unreachable, refuses, or lacks a feature
    the ``[smtp]`` settings ask for. The message names the server and the setting to change."""


class SkipTask(TaskError):
    """Raise inside a task to mark it skipped (Airflow: ``AirflowSkipException``)."""


class FailTask(TaskError):
    """Raise inside a task to fail it at once, without retries (Airflow: ``AirflowFailException``)."""


class UnknownBranchTarget(TaskError, ValueError):
    """Raised when a branch callable returns an id that is not a task of the DAG."""

    def __init__(
        self, dag_id: str, task_id: str, returned: Sequence[str], choices: Sequence[str], *, downstream: bool = True
    ) -> None:
        self.dag_id, self.task_id, self.returned, self.choices = dag_id, task_id, list(returned), list(choices)
        bad = ", ".join(repr(r) for r in returned)
        hints = []
        for r in returned:
            close = difflib.get_close_matches(r, choices, n=1)
            if close:
                hints.append(f" Did you mean {close[0]!r}?")
        listing = ", ".join(repr(c) for c in choices)
        super().__init__(
            f"DAG {dag_id!r}, task {task_id!r}: the branch returned {bad}, which is no task in this DAG."
            f"{''.join(hints)} {'Downstream ids' if downstream else 'Task ids'}: {listing}."
        )


class XComNotFound(TaskError, KeyError):
    """Raised when a task's argument names an XCom key its upstream task never pushed."""

    def __init__(self, dag_id: str, task_id: str, key: str) -> None:
        self.dag_id, self.task_id, self.key = dag_id, task_id, key
        super().__init__(
            f"DAG {dag_id!r}: task {task_id!r} pushed no XCom {key!r}. Push it with ti.xcom_push(key={key!r}, ...), "
            "or return a dict from a task with multiple_outputs=True."
        )

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class XComSerializationError(TaskError, TypeError):
    """Raised when an XCom value cannot be serialized by the configured backend."""

    def __init__(self, dag_id: str, task_id: str, key: str, value: object, detail: str = "") -> None:
        self.dag_id, self.task_id, self.key = dag_id, task_id, key
        self.type_name = f"{type(value).__module__}.{type(value).__qualname__}"
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"DAG {dag_id!r}, task {task_id!r}: cannot store XCom {key!r} of type {self.type_name}{extra}. "
            "Convert the value to a supported type (JSON types, dates, Decimal, UUID, bytes, dataclasses, "
            "pydantic models, enums, numpy/pandas/pyarrow data), register the type with "
            "headwater.serialization.register(type, encode, decode), or write the data to storage yourself and "
            "push its path."
        )


class XComTooLarge(TaskError, ValueError):
    """Raised before the write when a serialized XCom value is larger than the database may hold."""

    def __init__(self, dag_id: str, task_id: str, key: str, size: int, limit: int) -> None:
        self.dag_id, self.task_id, self.key, self.size, self.limit = dag_id, task_id, key, size, limit
        super().__init__(
            f"DAG {dag_id!r}, task {task_id!r}: XCom {key!r} is {size:,} bytes serialized, above the {limit:,} "
            "bytes allowed in the metadata database ([xcom] max_db_value_bytes). Offload large values to object "
            "storage with HEADWATER__CORE__XCOM_BACKEND=headwater.xcom.ObjectStorageXCom (the database then keeps "
            "only a reference), raise the limit with HEADWATER__XCOM__MAX_DB_VALUE_BYTES, or push a path to the "
            "data instead of the data."
        )


class XComStorageError(TaskError, OSError):
    """The XCom backend could not write a value where it keeps values (an object store, say)."""

    def __init__(self, dag_id: str, task_id: str, key: str, detail: str) -> None:
        super().__init__(
            f"DAG {dag_id!r}, task {task_id!r}: could not store XCom {key!r}: {detail}. Check that the XCom "
            "storage ([xcom] objectstorage_path) is reachable and writable; retries run the task again."
        )


class XComReadError(TaskError, ValueError):
    """A stored XCom value that cannot be read back in this process."""

    def __init__(self, dag_id: str, task_id: str, key: str, detail: str) -> None:
        super().__init__(f"DAG {dag_id!r}: cannot read XCom {key!r} of task {task_id!r}: {detail}.")


class TaskNotFound(HeadwaterError, KeyError):
    """``DAG.get_task`` was asked for a task the DAG does not have (Airflow's ``TaskNotFound``)."""

    def __init__(self, dag_id: str, task_id: str, known: Sequence[str]) -> None:
        close = difflib.get_close_matches(task_id, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; its tasks are {', '.join(map(repr, known[:10]))}"
        super().__init__(f"DAG {dag_id!r} has no task {task_id!r}{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


# -- warnings ---------------------------------------------------------------------------------------


class RemovedInAirflow3Warning(DeprecationWarning):
    """A name Airflow 2 deprecated (Airflow's own category): it still works, Airflow 3 removes it."""


class IgnoredArgumentWarning(UserWarning):
    """A DAG or task argument Airflow accepts that headwater accepts too but does not act on."""
