"""The operators DAG authors use directly."""

from headwater.operators.bash import BashOperator
from headwater.operators.branch import (
    BaseBranchOperator,
    BranchDateTimeOperator,
    BranchDayOfWeekOperator,
    LatestOnlyOperator,
)
from headwater.operators.email import EmailOperator
from headwater.operators.empty import DummyOperator, EmptyOperator
from headwater.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator

__all__ = [
    "BaseBranchOperator",
    "BashOperator",
    "BranchDateTimeOperator",
    "BranchDayOfWeekOperator",
    "BranchPythonOperator",
    "DummyOperator",
    "EmailOperator",
    "EmptyOperator",
    "LatestOnlyOperator",
    "PythonOperator",
    "ShortCircuitOperator",
]
