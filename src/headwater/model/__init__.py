"""The authoring model: DAGs, tasks, dependencies, trigger rules, states, timetables. No I/O."""

from headwater.model.baseoperator import BaseOperator
from headwater.model.dag import DAG, dag
from headwater.model.dependencies import chain, chain_linear, cross_downstream
from headwater.model.labels import Label
from headwater.model.mapping import MappedOperator
from headwater.model.params import Param
from headwater.model.states import DagRunState, TaskState
from headwater.model.taskgroup import TaskGroup
from headwater.model.trigger_rule import TriggerRule
from headwater.model.xcomarg import XComArg

__all__ = [
    "DAG",
    "BaseOperator",
    "DagRunState",
    "Label",
    "MappedOperator",
    "Param",
    "TaskGroup",
    "TaskState",
    "TriggerRule",
    "XComArg",
    "chain",
    "chain_linear",
    "cross_downstream",
    "dag",
]
